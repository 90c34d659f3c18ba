"""Connection settings (`GatewayConfig`): where and how to reach Cloudflare, per client.

This is the only module that reads environment variables. Everything here is validated when it
is built, so a bad value fails before any request is sent:

- account and gateway ids are path segments of the URL, so only ``[A-Za-z0-9_-]`` is accepted;
- ``base_url`` is an API root (no user info, query or fragment); plain ``http://`` is refused
  unless the host is loopback (127.0.0.0/8, ::1, localhost) or ``allow_insecure_http`` is set,
  because the token would otherwise cross the network in clear.

Errors are `ConfigurationError` (a ``ValueError``); the token is never part of their message.
Per-call ``cf-aig-*`` options are `GatewayOptions` (``options.py``).
"""

import ipaddress
import os
from typing import Annotated, Any, Literal, NoReturn
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .base_url import apply_pasted_url
from .catalog import DEFAULT_MODEL
from .errors import ConfigurationError
from .model_rules import ROUTE_PREFIX
from .options import GatewayOptions

__all__ = ["GatewayConfig", "refuse_pickle"]

_REST_ROOT = "https://api.cloudflare.com/client/v4"
_GATEWAY_ROOT = "https://gateway.ai.cloudflare.com/v1"
_ACCOUNT_VARS = ("CLOUDFLARE_ACCOUNT_ID", "CF_ACCOUNT_ID")
_TOKEN_VARS = ("CLOUDFLARE_API_TOKEN", "CF_AI_API_TOKEN")
_GATEWAY_VAR = "CLOUDFLARE_AI_GATEWAY_ID"
# The API root (e.g. a stand-alone `gpt54nano-emulator`, or a proxy); read by from_env only.
_BASE_URL_VAR = "CLOUDFLARE_BASE_URL"
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _check_id(value: str, what: str) -> str:
    if not value or len(value) > 64 or not set(value) <= _ID_CHARS:
        raise ValueError(f"{what} must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'")
    return value


def _check_route_target(value: str, what: str) -> str:
    if not value.strip() or value.startswith(ROUTE_PREFIX):
        raise ValueError(f"{what} must name the model the route serves, e.g. {DEFAULT_MODEL!r}")
    return value


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_pickle(type_name: str) -> NoReturn:
    """Pickling is refused: a pickle would carry the API token in clear (SecretStr pickles its
    value), and would hand it to whatever reads the bytes."""
    raise TypeError(
        f"{type_name} holds a Cloudflare API token and is not picklable: build it again in the "
        "other process (e.g. from the environment with GatewayConfig.from_env())"
    )


class GatewayConfig(BaseModel):
    """Where and how to reach Cloudflare. Build it directly or with `from_env`; an account id or
    token not given is read from ``CLOUDFLARE_ACCOUNT_ID`` / ``CF_ACCOUNT_ID`` and
    ``CLOUDFLARE_API_TOKEN`` / ``CF_AI_API_TOKEN``.

    ``base_url`` is the API root without the account path: ``https://api.cloudflare.com/client/v4``
    (``endpoint="rest"``) or ``https://gateway.ai.cloudflare.com/v1`` (``endpoint="gateway"``);
    point it at an emulator as ``http://127.0.0.1:PORT/client/v4`` or ``http://127.0.0.1:PORT/v1``.
    """

    # hide_input_in_errors: a validation error must never echo the token back.
    # defer_build: the validator is built with the first config, not at import.
    model_config = ConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True, defer_build=True
    )

    account_id: str
    api_token: SecretStr
    model: Annotated[str, Field(min_length=1)] = DEFAULT_MODEL
    gateway_id: str | None = None
    endpoint: Literal["rest", "gateway"] = "rest"
    base_url: str | None = None
    connect_timeout: Annotated[float, Field(gt=0)] = 10.0
    read_timeout: Annotated[float, Field(gt=0)] = 120.0
    stream_idle_timeout: Annotated[float, Field(gt=0)] = 60.0
    total_timeout: Annotated[float, Field(gt=0)] | None = 600.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    options: GatewayOptions | None = None
    allow_insecure_http: bool = False
    # Connection settings: configs that differ here use different shared pools (_pool.pool_key).
    max_connections: Annotated[int, Field(ge=1)] = 100
    max_keepalive_connections: Annotated[int, Field(ge=0)] = 20
    keepalive_expiry: Annotated[float, Field(ge=0)] = 15.0
    trust_env: bool = True  # honour HTTP(S)_PROXY / ALL_PROXY / NO_PROXY (never for loopback)
    # The model family a dynamic route ("dynamic/<route>") serves, for the per-model request
    # rules (model_rules.py): one model id for every route, or route name -> model id.
    route_model: str | dict[str, str] | None = None
    # The Responses API route: None follows ``endpoint``; "gateway" sends Responses calls to the
    # gateway's provider-native ``/openai/responses`` (the work-around for the open 402 bug of
    # the REST ``/ai/v1/responses`` on authenticated gateways, docs/reference/cloudflare-wire.md
    # U14) while Chat Completions stay on ``endpoint``.
    responses_endpoint: Literal["rest", "gateway"] | None = None
    # The async clients' pool: "auto" is aiohttp's when the `aiohttp` extra is installed (much
    # cheaper at hundreds of requests in flight), else httpx's; "httpx" keeps httpx's (_pool).
    async_transport: Literal["auto", "aiohttp", "httpx"] = "auto"

    _url: str = PrivateAttr(default="")
    _responses_url: str = PrivateAttr(default="")

    def __init__(self, **data: Any) -> None:
        apply_pasted_url(data)  # a full endpoint URL pasted as base_url: see base_url.py
        _fill_credentials(data)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in exc.errors(include_input=False, include_url=False)
            )
            raise ConfigurationError(f"invalid gateway configuration: {problems}") from exc

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_id(value, "account_id")

    @field_validator("gateway_id")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        return None if value is None else _check_id(value, "gateway_id")

    @field_validator("route_model")
    @classmethod
    def _route_model(cls, value: str | dict[str, str] | None) -> str | dict[str, str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            return _check_route_target(value, "route_model")
        routes: dict[str, str] = {}
        for name, target in value.items():
            # "dynamic/support" and "support" name the same route.
            bare = name.removeprefix(ROUTE_PREFIX)
            _check_id(bare, f"route_model key {name!r}")
            routes[bare] = _check_route_target(target, f"route_model[{name!r}]")
        return routes

    @field_validator("api_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if not secret.strip():
            raise ValueError("api_token is empty")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in secret) or not secret.isascii():
            raise ValueError("api_token contains characters that cannot be sent in a header")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an absolute http(s) URL")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("base_url must not carry user info, a query or a fragment")
        return value.rstrip("/")

    @field_validator("base_url")
    @classmethod
    def _base_url_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            port = urlsplit(value).port  # ValueError when out of 0-65535 or not a number
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError("base_url has an invalid port (1-65535)")
        return value

    @model_validator(mode="after")
    def _resolve(self) -> "GatewayConfig":
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            host = parts.hostname or ""
            if parts.scheme == "http" and not self.allow_insecure_http and not _is_loopback(host):
                raise ValueError(
                    f"plain http:// to {host!r} would send the token in clear; use https, "
                    "a loopback host, or allow_insecure_http=True"
                )
        if self.endpoint == "rest":
            root = self.base_url or _REST_ROOT
            self._url = f"{root}/accounts/{self.account_id}/ai/v1/chat/completions"
        else:
            root = self.base_url or _GATEWAY_ROOT
            gateway = self.gateway_id or "default"
            self._url = f"{root}/{self.account_id}/{gateway}/compat/chat/completions"
        self._responses_url = self._responses_route()
        return self

    def _responses_route(self) -> str:
        gateway = self.gateway_id or "default"
        route = self.responses_route
        # The other form's root, when it differs from `endpoint`'s: derived from a base_url of
        # one host serving both (…/client/v4 and …/v1, like the emulator).
        own, other = ("/client/v4", "/v1") if self.endpoint == "rest" else ("/v1", "/client/v4")
        if route == self.endpoint or self.base_url is None:
            root = self.base_url or (_REST_ROOT if route == "rest" else _GATEWAY_ROOT)
        elif self.base_url.endswith(own):
            root = self.base_url[: -len(own)] + other
        else:
            raise ValueError(
                f"responses_endpoint={route!r} with a base_url that does not end in {own}: the "
                f"{route} root cannot be derived; set endpoint={route!r} with its base_url"
            )
        if route == "rest":
            return f"{root}/accounts/{self.account_id}/ai/v1/responses"
        return f"{root}/{self.account_id}/{gateway}/openai/responses"

    @property
    def responses_route(self) -> Literal["rest", "gateway"]:
        """The endpoint form Responses API calls use (``responses_endpoint``, else
        ``endpoint``)."""
        return self.responses_endpoint or self.endpoint

    @property
    def responses_url(self) -> str:
        """The full URL Responses API requests are POSTed to: REST ``…/ai/v1/responses`` or
        the gateway's provider-native ``…/{gateway}/openai/responses``."""
        return self._responses_url

    @property
    def chat_completions_url(self) -> str:
        """The full URL requests are POSTed to."""
        return self._url

    def __getstate__(self) -> NoReturn:
        refuse_pickle(type(self).__name__)

    def auth_headers(self, endpoint: Literal["rest", "gateway"] | None = None) -> dict[str, str]:
        """Authentication (and gateway selection) headers for ``endpoint`` (default: the
        chosen endpoint form)."""
        token = self.api_token.get_secret_value()
        if (endpoint or self.endpoint) == "gateway":
            return {"cf-aig-authorization": f"Bearer {token}"}
        headers = {"Authorization": f"Bearer {token}"}
        if self.gateway_id is not None:
            headers["cf-aig-gateway-id"] = self.gateway_id
        return headers

    @classmethod
    def from_env(cls, **overrides: Any) -> "GatewayConfig":
        """Build a config from ``CLOUDFLARE_ACCOUNT_ID`` / ``CF_ACCOUNT_ID``,
        ``CLOUDFLARE_API_TOKEN`` / ``CF_AI_API_TOKEN``, ``CLOUDFLARE_AI_GATEWAY_ID`` and
        ``CLOUDFLARE_BASE_URL`` (the API root, same rules as ``base_url``); keyword arguments
        take precedence over the environment."""
        values = dict(overrides)
        if "gateway_id" not in values and os.environ.get(_GATEWAY_VAR):
            values["gateway_id"] = os.environ[_GATEWAY_VAR]
        if "base_url" not in values and os.environ.get(_BASE_URL_VAR):
            values["base_url"] = os.environ[_BASE_URL_VAR]
        return cls(**values)


def _fill_credentials(values: dict[str, Any]) -> None:
    """Take a missing account id / token from the environment, or say which variables to set.
    (The gateway id is read from the environment only by `GatewayConfig.from_env`: a config
    built with explicit credentials, e.g. for the emulator, must not pick up a real gateway.)"""
    if values.get("account_id") is None:
        values["account_id"] = _first_env(_ACCOUNT_VARS)
    if values.get("api_token") is None:
        values["api_token"] = _first_env(_TOKEN_VARS)
    missing = [
        " or ".join(names)
        for key, names in (("account_id", _ACCOUNT_VARS), ("api_token", _TOKEN_VARS))
        if not values.get(key)
    ]
    if missing:
        raise ConfigurationError(
            "missing Cloudflare credentials: set "
            + " and ".join(missing)
            + " (or pass account_id / api_token explicitly)"
        )


def _first_env(names: tuple[str, ...]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None
