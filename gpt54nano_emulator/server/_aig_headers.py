"""The ``cf-aig-*`` request headers the emulator honours or checks (wire doc §5.1).

Cloudflare documents the ranges (cache TTL 60 s … 1 month, ≤ 5 attempts, retry delay ≤ 5000 ms,
three backoff names, ≤ 5 metadata entries) but not what it answers when a value is out of range.
The emulator refuses such values with a 400 so that a client bug shows up in tests instead of
being ignored silently. Cloudflare publishes no code for this, so the body is an
``AiGatewayError`` with the emulator-only code :data:`INVALID_HEADER_CODE` (documented in the
package docstring; not a real Cloudflare code). The same goes for a ``cf-aig-custom-cost`` that
is not a valid price (``_pricing.parse_custom_cost``). ``cf-aig-collect-log`` and
``cf-aig-collect-log-payload`` (``false`` turns them off) decide what the gateway log keeps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _wire_out
from ._pricing import CustomCost, parse_custom_cost
from ._validate import Rejection

INVALID_HEADER_CODE = 2999
CACHE_TTL_MIN = 60
CACHE_TTL_MAX = 2_592_000  # one month (30 days), wire doc §7 "Cache TTL 60 s … 1 month"
DEFAULT_KEY_TTL = 300  # cache-key without ttl on a gateway with caching off: 5 min (§5.1)
METADATA_MAX_ENTRIES = 5
BACKOFFS = frozenset({"constant", "linear", "exponential"})


@dataclass(frozen=True, slots=True)
class GatewayRequestOptions:
    """What the emulator keeps from the ``cf-aig-*`` headers of one request."""

    cache_in_play: bool = False  # any cache header present → cf-aig-cache-status is sent
    skip_cache: bool = False
    cache_ttl: int | None = None  # None: do not store (no ttl and no custom key)
    cache_key: str | None = None
    metadata: dict[str, Any] | None = None
    event_id: str | None = None
    custom_cost: CustomCost | None = None
    collect_log: bool = True  # cf-aig-collect-log: false → no gateway log entry
    collect_log_payload: bool = True  # cf-aig-collect-log-payload: false → no stored bodies


def _refuse(message: str) -> Rejection:
    return Rejection(400, _wire_out.gateway_error(400, INVALID_HEADER_CODE, message))


def _int_header(headers: Mapping[str, str], name: str) -> int | Rejection | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return _refuse(f"Invalid {name} header: expected an integer, got {raw!r}")


def _metadata(raw: str) -> dict[str, Any] | Rejection | None:
    # Not JSON / not an object → 400: the docs define the header as a JSON object, and a client
    # that sends anything else has a bug worth surfacing. Entries past the fifth are dropped and a
    # null/object value nulls the whole log metadata, silently, as observed live (§5.1 [S8]).
    try:
        parsed = json.loads(raw)
    except ValueError:
        return _refuse("Invalid cf-aig-metadata header: not valid JSON")
    if not isinstance(parsed, dict):
        return _refuse("Invalid cf-aig-metadata header: expected a JSON object")
    kept = dict(list(parsed.items())[:METADATA_MAX_ENTRIES])
    if any(not isinstance(value, str | int | float | bool) for value in kept.values()):
        return None
    return kept


def parse_gateway_headers(headers: Mapping[str, str]) -> GatewayRequestOptions | Rejection:
    """Check the ``cf-aig-*`` headers; ``headers`` has lower-case names."""
    attempts = _int_header(headers, "cf-aig-max-attempts")
    if isinstance(attempts, Rejection):
        return attempts
    if attempts is not None and not 1 <= attempts <= 5:
        return _refuse(f"Invalid cf-aig-max-attempts header: {attempts} (allowed: 1 to 5)")
    delay = _int_header(headers, "cf-aig-retry-delay")
    if isinstance(delay, Rejection):
        return delay
    if delay is not None and not 0 <= delay <= 5000:
        return _refuse(f"Invalid cf-aig-retry-delay header: {delay} (allowed: 0 to 5000 ms)")
    backoff = headers.get("cf-aig-backoff")
    if backoff is not None and backoff not in BACKOFFS:
        return _refuse(f"Invalid cf-aig-backoff header: {backoff!r}")
    timeout = _int_header(headers, "cf-aig-request-timeout")
    if isinstance(timeout, Rejection):
        return timeout
    if timeout is not None and timeout <= 0:
        return _refuse(f"Invalid cf-aig-request-timeout header: {timeout}")

    ttl = _int_header(headers, "cf-aig-cache-ttl")
    if isinstance(ttl, Rejection):
        return ttl
    if ttl is not None and not CACHE_TTL_MIN <= ttl <= CACHE_TTL_MAX:
        return _refuse(
            f"Invalid cf-aig-cache-ttl header: {ttl} (allowed: {CACHE_TTL_MIN} to {CACHE_TTL_MAX})"
        )
    skip_raw = headers.get("cf-aig-skip-cache")
    skip = skip_raw is not None and skip_raw.strip().lower() == "true"
    key = headers.get("cf-aig-cache-key")

    metadata: dict[str, Any] | None = None
    raw_metadata = headers.get("cf-aig-metadata")
    if raw_metadata is not None:
        parsed = _metadata(raw_metadata)
        if isinstance(parsed, Rejection):
            return parsed
        metadata = parsed

    custom_cost: CustomCost | None = None
    raw_cost = headers.get("cf-aig-custom-cost")
    if raw_cost is not None:
        parsed_cost = parse_custom_cost(raw_cost)
        if isinstance(parsed_cost, str):
            return _refuse(f"Invalid cf-aig-custom-cost header: {parsed_cost}")
        custom_cost = parsed_cost

    store_ttl = ttl if ttl is not None else (DEFAULT_KEY_TTL if key else None)
    return GatewayRequestOptions(
        cache_in_play=ttl is not None or key is not None or skip_raw is not None,
        skip_cache=skip,
        cache_ttl=store_ttl,
        cache_key=key,
        metadata=metadata,
        event_id=headers.get("cf-aig-event-id"),
        custom_cost=custom_cost,
        collect_log=not _is_false(headers.get("cf-aig-collect-log")),
        collect_log_payload=not _is_false(headers.get("cf-aig-collect-log-payload")),
    )


def _is_false(raw: str | None) -> bool:
    return raw is not None and raw.strip().lower() == "false"
