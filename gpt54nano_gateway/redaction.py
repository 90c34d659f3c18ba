"""Credentials out of anything that may be shown: header dicts for logs and reprs.

httpx masks only ``Authorization`` in a request's repr; the gateway form sends the token in
``cf-aig-authorization``, and a proxy may want its own header, so the list is ours.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

__all__ = [
    "SENSITIVE_HEADERS",
    "RedactedHeaders",
    "redact_headers",
    "redact_in_place",
    "scrub_values",
]

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cf-aig-authorization",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
    }
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: credentials replaced by ``<redacted>``."""
    return {k: "<redacted>" if k.lower() in SENSITIVE_HEADERS else v for k, v in headers.items()}


class RedactedHeaders(dict[str, str]):
    """Request headers whose repr never shows a credential (they hold the token in clear)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(redact_headers(self))


def redact_in_place(headers: MutableMapping[str, str]) -> None:
    """Replace the credentials in ``headers`` itself: for the headers of a request that failed
    and is kept as an exception's cause (``exc.__cause__.request.headers``)."""
    for name in [k for k in headers if k.lower() in SENSITIVE_HEADERS]:
        headers[name] = "<redacted>"


def scrub_values(headers: Mapping[str, str], secret: str) -> Mapping[str, str]:
    """``headers`` with ``secret`` replaced wherever a value contains it (a server echoing the
    token in a response header); ``headers`` itself when none does (the common case)."""
    if not secret or not any(secret in value for value in headers.values()):
        return headers
    return {k: v.replace(secret, "<redacted>") for k, v in headers.items()}
