"""What the gateway said about one call (`GatewayMeta`), read from its response headers.

Not wire data: the clients attach it to every completion, stream and error (``.meta``), and both
adapters expose it under one key, ``"gateway"``, spelt by `gateway_metadata` (LangChain's
``response_metadata["gateway"]``, LlamaIndex's ``additional_kwargs["gateway"]``).
"""

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from ._json import loads

__all__ = ["GatewayMeta", "gateway_metadata", "meta_from_headers"]


class GatewayMeta(BaseModel):
    """What the gateway said about one call, from its response headers and body (not wire data)."""

    # defer_build: the validator is built with the first meta (the first response), not at
    # import: import of the public names stays near pydantic's own cost (test_lazy_imports).
    model_config = ConfigDict(frozen=True, defer_build=True)

    log_id: str | None = None
    request_id: str | None = None
    event_id: str | None = None
    cache_status: str | None = None
    step: str | None = None
    ray_id: str | None = None
    key_source: str | None = None
    attempts: int = 1
    status_code: int | None = None
    # The ``cf-aig-dlp`` header (DLP findings and action, set-up-dlp "Header schema") as JSON;
    # a value that is not a JSON object is kept as ``{"raw": <text>}`` rather than dropped.
    dlp: dict[str, Any] | None = None


def _gateway_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # One pass over the raw header list: httpx's case-insensitive lookup scans every header on
    # each get (~1.5 µs each); the meta needs six of them.
    if isinstance(headers, httpx.Headers):
        return {
            key.lower().decode("latin-1"): value.decode("latin-1")
            for key, value in headers.raw
            if key[:3].lower() == b"cf-"
        }
    return {key.lower(): value for key, value in headers.items()}


def dlp_from_header(value: str | None) -> dict[str, Any] | None:
    """The ``cf-aig-dlp`` header's JSON object (``{"raw": value}`` when it is not one)."""
    if value is None:
        return None
    try:
        parsed = loads(value)
    except ValueError:
        return {"raw": value}
    return parsed if isinstance(parsed, dict) else {"raw": value}


def meta_from_headers(
    headers: Mapping[str, str], status: int, attempts: int, key_source: str | None = None
) -> GatewayMeta:
    """The gateway's response metadata, from its ``cf-aig-*`` and ``cf-ray`` headers."""
    get = _gateway_headers(headers).get
    return GatewayMeta.model_construct(
        log_id=get("cf-aig-log-id"),
        request_id=get("cf-aig-request-id"),
        event_id=get("cf-aig-event-id"),
        cache_status=get("cf-aig-cache-status"),
        step=get("cf-aig-step"),
        ray_id=get("cf-ray"),
        key_source=key_source,
        attempts=attempts,
        status_code=status,
        dlp=dlp_from_header(get("cf-aig-dlp")),
    )


def gateway_metadata(meta: GatewayMeta | None) -> dict[str, Any]:
    """The one spelling of the meta in both adapters: its set fields, as a plain dict."""
    if meta is None:
        return {}
    return {key: value for key, value in meta.__dict__.items() if value is not None}
