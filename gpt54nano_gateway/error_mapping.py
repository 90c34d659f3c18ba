"""From an HTTP error response (status, headers, body) to the matching error class: pure code.

Cloudflare answers errors in four body shapes, depending on the layer that failed
(``docs/reference/cloudflare-wire.md`` §4): the v4 API envelope ``{"success": false, "errors":
[...]}``, AI Gateway's ``AiGatewayError`` (singular ``error`` list + ``internalCode``), Workers
AI's ``AiError`` (``internalCode`` + ``message``) and OpenAI's ``{"error": {...}}``.
`error_payload` reads all four; `error_from_response` turns a response into the matching class
(by status, refined by Cloudflare's code, §4.2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._json import loads
from .errors import (
    DLP_BLOCK_CODES,
    GUARDRAIL_BLOCK_CODES,
    GUARDRAIL_UNAVAILABLE_CODE,
    QUOTA_CODES,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DlpBlockedError,
    GuardrailBlockedError,
    GuardrailUnavailableError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    RequestTimeoutError,
    StreamError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from .meta import GatewayMeta

__all__ = [
    "error_class",
    "error_from_response",
    "error_payload",
    "explain",
    "request_id_from_headers",
    "status_for_code",
    "stream_error_class",
]

_MAX_BODY_TEXT = 8192
_MAX_CODE_DIGITS = 18  # a longer string of digits stays a string code


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
        # ASCII digits only ("²".isdigit() is true), and few: int() refuses > 4300 digits.
        plain = value.isascii() and value.isdigit() and len(value) <= _MAX_CODE_DIGITS
        return int(value) if plain else value
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
        return loads(body)
    except ValueError:  # UnicodeDecodeError and too-deep nesting included
        text = body.decode("utf-8", "replace")
        return text[:_MAX_BODY_TEXT] + ("..." if len(text) > _MAX_BODY_TEXT else "")


def error_class(status: int, code: int | str | None) -> type[APIStatusError]:
    """The class for an HTTP status and error code."""
    if status == 429 and code in QUOTA_CODES:
        return QuotaExceededError
    if status in (422, 424) and code in GUARDRAIL_BLOCK_CODES:
        return GuardrailBlockedError
    if status in (422, 424) and code in DLP_BLOCK_CODES:
        return DlpBlockedError
    if status == 503 and code == GUARDRAIL_UNAVAILABLE_CODE:
        return GuardrailUnavailableError
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
    2016: 424, 2017: 424, 2029: 424, 2030: 424,
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


_TOKENS_PAGE = "https://dash.cloudflare.com/profile/api-tokens"
# Token permissions by endpoint form (docs/reference/cloudflare-wire.md §1, auth table and U15:
# the REST form asks for Workers AI Read and AI Gateway Read/Edit; the gateway host for Run).
_PERMISSIONS = {
    "rest": "'Workers AI Read' and 'AI Gateway Read' + 'AI Gateway Edit'",
    "gateway": "'AI Gateway Run'",
}
_MODEL_NOT_FOUND = re.compile(r"model not found|no such model|does not exist", re.IGNORECASE)
_SUGGESTED_MODEL = "openai/gpt-5.4-nano"


def explain(
    status: int,
    code: int | str | None,
    message: str,
    *,
    endpoint: str | None = None,
    gateway_id: str | None = None,
) -> str | None:
    """A one-sentence hint for the mistakes a newcomer makes (wrong token, model id, gateway),
    or ``None``. ``endpoint`` / ``gateway_id`` are what the request used, when known."""
    if status in (401, 403):
        needs = _PERMISSIONS.get(endpoint or "", " or ".join(_PERMISSIONS.values()))
        what = "is missing, wrong or expired" if status == 401 else "lacks a permission"
        return (
            f"the API token {what}: it needs {needs} on this account; create one at {_TOKENS_PAGE}"
        )
    if code == 2001 or (status == 400 and "configure AI Gateway" in message):
        name = f"gateway {gateway_id!r}" if gateway_id else "the gateway"
        return (
            f"{name} does not exist on this account: create it in the dashboard (AI > AI Gateway"
            " > Create Gateway, the id is its name) or set gateway_id / CLOUDFLARE_AI_GATEWAY_ID"
            " to an existing one"
        )
    if status in (400, 404) and _MODEL_NOT_FOUND.search(message) and "model" in message.lower():
        return f"did you mean `{_SUGGESTED_MODEL}`?"
    return None


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
    endpoint: str | None = None,
    gateway_id: str | None = None,
) -> APIStatusError:
    """The typed error for an HTTP error response (or a 200 whose envelope says it failed).
    Given the ``endpoint`` (and ``gateway_id``) the request used, its message ends with a hint
    (`explain`) when the mistake is a common one."""
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
    # Only for a request this client sent (endpoint known): the hint names what it used.
    hint = (
        None
        if endpoint is None
        else explain(effective, code, message, endpoint=endpoint, gateway_id=gateway_id)
    )
    if hint is not None:
        message = f"{message} ({hint})"
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
