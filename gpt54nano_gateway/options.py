"""Per-call AI Gateway options (`GatewayOptions`): the ``cf-aig-*`` request headers.

Give them per client (``GatewayConfig.options``) and/or per call (``options=``); per call wins
field by field. Every value is validated when the object is built: header values are checked for
CR/LF and other control characters (header injection) and for non-ASCII (httpx would fail later
with a less helpful error). Errors are pydantic ``ValidationError`` s.
"""

import json
import math
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

__all__ = ["CustomCost", "GatewayOptions", "GatewayRetries", "check_header_value"]


def check_header_value(value: str) -> str:
    """Refuse what cannot be sent safely as an HTTP header value."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("header values must not contain CR, LF or other control characters")
    if not value.isascii():
        raise ValueError("header values must be ASCII")
    return value


def _flag(value: bool) -> str:
    return "true" if value else "false"


HeaderStr = Annotated[str, Field(min_length=1, max_length=1024)]


# defer_build (every model here): validators are built on first use, not at import.
class GatewayRetries(BaseModel):
    """Retries done by the gateway itself (cf-aig-max-attempts, -retry-delay, -backoff)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    max_attempts: Annotated[int, Field(ge=1, le=5)]
    retry_delay_ms: Annotated[int, Field(ge=0, le=5000)] | None = None
    backoff: Literal["constant", "linear", "exponential"] | None = None


NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class CustomCost(BaseModel):
    """``cf-aig-custom-cost``: what the gateway logs as the call's cost, in USD
    (``ai-gateway/configuration/custom-costs``; wire doc §5.1).

    Per-token prices (either may be left out) or one ``total_cost``, not both; finite and >= 0.
    Cloudflare documents no cached-input price field, so there is none here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    per_token_in: NonNegative | None = None
    per_token_out: NonNegative | None = None
    total_cost: NonNegative | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "CustomCost":
        per_token = self.per_token_in is not None or self.per_token_out is not None
        if per_token and self.total_cost is not None:
            raise ValueError("total_cost cannot be combined with per_token_in/per_token_out")
        if not per_token and self.total_cost is None:
            raise ValueError("give per_token_in and/or per_token_out, or total_cost")
        return self

    def to_header(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), separators=(",", ":"))


# Headers the options (or the client: auth, gateway id) already own; extra_headers may not set them.
_OWNED_HEADERS = frozenset(
    {
        "cf-aig-authorization",
        "cf-aig-gateway-id",
        "cf-aig-cache-ttl",
        "cf-aig-skip-cache",
        "cf-aig-cache-key",
        "cf-aig-metadata",
        "cf-aig-collect-log",
        "cf-aig-collect-log-payload",
        "cf-aig-request-timeout",
        "cf-aig-max-attempts",
        "cf-aig-retry-delay",
        "cf-aig-backoff",
        "cf-aig-event-id",
        "cf-aig-byok-alias",
        "cf-aig-zdr",
        "cf-aig-no-wholesale",
        "cf-aig-custom-cost",
    }
)
_HEADER_NAME = re.compile(r"^cf-aig-[a-z0-9][a-z0-9-]*$")


class GatewayOptions(BaseModel):
    """Per-request AI Gateway options, sent as ``cf-aig-*`` headers. Every field is optional.

    Give them per client (``GatewayConfig.options``) and/or per call (``options=``); per call
    wins field by field (`merged`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    cache_ttl: Annotated[int, Field(ge=60, le=2_592_000)] | None = None
    skip_cache: bool | None = None
    cache_key: HeaderStr | None = None
    metadata: dict[StrictStr, StrictStr | StrictInt | StrictFloat | StrictBool] | None = None
    collect_log: bool | None = None
    collect_log_payload: bool | None = None
    request_timeout_ms: Annotated[int, Field(gt=0)] | None = None
    retries: GatewayRetries | None = None
    event_id: HeaderStr | None = None
    byok_alias: HeaderStr | None = None
    zdr: bool | None = None
    no_wholesale: bool | None = None
    custom_cost: CustomCost | None = None
    # Further cf-aig-* headers this library does not model yet, sent as given (names lowercased).
    extra_headers: dict[str, str] | None = None

    @field_validator("extra_headers")
    @classmethod
    def _extra_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        checked: dict[str, str] = {}
        for name, header_value in value.items():
            lowered = name.lower()
            if not _HEADER_NAME.match(lowered):
                raise ValueError(
                    f"extra header {name!r}: names must start with 'cf-aig-' and hold only "
                    "letters, digits and '-'"
                )
            if lowered in _OWNED_HEADERS:
                raise ValueError(
                    f"extra header {name!r} is set by a GatewayOptions field or the client "
                    "configuration; use that instead"
                )
            if lowered in checked:
                raise ValueError(f"extra header {name!r} is given twice")
            checked[lowered] = check_header_value(header_value)
        return checked

    @field_validator("cache_key", "event_id", "byok_alias")
    @classmethod
    def _header_safe(cls, value: str | None) -> str | None:
        return None if value is None else check_header_value(value)

    @field_validator("metadata")
    @classmethod
    def _metadata(
        cls, value: dict[str, str | int | float | bool] | None
    ) -> dict[str, str | int | float | bool] | None:
        if value is None:
            return None
        if len(value) > 5:
            # Cloudflare silently drops entries beyond five; refusing is clearer.
            raise ValueError("metadata holds at most 5 entries")
        if any(isinstance(v, float) and not math.isfinite(v) for v in value.values()):
            raise ValueError("metadata numbers must be finite (NaN/Infinity are not JSON)")
        return value

    def to_headers(self) -> dict[str, str]:
        """The ``cf-aig-*`` request headers for the options that are set."""
        headers: dict[str, str] = {}
        if self.cache_ttl is not None:
            headers["cf-aig-cache-ttl"] = str(self.cache_ttl)
        if self.skip_cache is not None:
            headers["cf-aig-skip-cache"] = _flag(self.skip_cache)
        if self.cache_key is not None:
            headers["cf-aig-cache-key"] = self.cache_key
        if self.metadata is not None:
            # ensure_ascii keeps any character (even a newline in a value) escaped in the header.
            headers["cf-aig-metadata"] = json.dumps(self.metadata, separators=(",", ":"))
        if self.collect_log is not None:
            headers["cf-aig-collect-log"] = _flag(self.collect_log)
        if self.collect_log_payload is not None:
            headers["cf-aig-collect-log-payload"] = _flag(self.collect_log_payload)
        if self.request_timeout_ms is not None:
            headers["cf-aig-request-timeout"] = str(self.request_timeout_ms)
        if self.retries is not None:
            headers["cf-aig-max-attempts"] = str(self.retries.max_attempts)
            if self.retries.retry_delay_ms is not None:
                headers["cf-aig-retry-delay"] = str(self.retries.retry_delay_ms)
            if self.retries.backoff is not None:
                headers["cf-aig-backoff"] = self.retries.backoff
        if self.event_id is not None:
            headers["cf-aig-event-id"] = self.event_id
        if self.byok_alias is not None:
            headers["cf-aig-byok-alias"] = self.byok_alias
        if self.zdr is not None:
            headers["cf-aig-zdr"] = _flag(self.zdr)
        if self.no_wholesale is not None:
            headers["cf-aig-no-wholesale"] = _flag(self.no_wholesale)
        if self.custom_cost is not None:
            headers["cf-aig-custom-cost"] = self.custom_cost.to_header()
        if self.extra_headers:
            headers.update(self.extra_headers)
        return headers

    def merged(self, override: "GatewayOptions | None") -> "GatewayOptions":
        """These options with every field that ``override`` sets taken from ``override``."""
        if override is None or not override.model_fields_set:
            return self
        update = {name: getattr(override, name) for name in override.model_fields_set}
        return self.model_copy(update=update)

    @property
    def gateway_retries_enabled(self) -> bool:
        """True when the gateway itself retries (the client then retries relayed errors once)."""
        return self.retries is not None and self.retries.max_attempts > 1
