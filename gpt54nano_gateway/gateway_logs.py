"""AI Gateway logs: read one (`GatewayLog`), its bodies, list them, and patch feedback, score
and metadata onto one. Sync `GatewayLogs` and async `AsyncGatewayLogs`, built from a
`GatewayConfig`.

The log API is Cloudflare's v4 REST API (``Authorization: Bearer``), whatever endpoint form the
config uses for chat: ``{root}/accounts/{account}/ai-gateway/gateways/{gateway}/logs[/{id}]``,
the gateway being the config's ``gateway_id`` or ``default``. The root is
``https://api.cloudflare.com/client/v4``; with a custom ``base_url`` it is that URL for
``endpoint="rest"``, and for ``endpoint="gateway"`` the same host with ``/v1`` replaced by
``/client/v4`` (how the emulator serves both); pass ``logs_base_url=`` otherwise.

A log is written just before the answer's last byte and may not be readable at once: a 404 on
`get` (and on the bodies) is retried with backoff for up to ``not_found_wait`` seconds (3 s),
then raised as `LogNotFoundError`. Permissions: get/list/bodies need the token's "AI Gateway
Read", patch "AI Gateway Edit"; a 401/403 says so.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Annotated, Any, Literal, NoReturn

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from ._json import loads
from ._pool import async_pool, sync_pool
from .config import GatewayConfig, refuse_pickle
from .error_mapping import error_from_response
from .errors import (
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    GatewayConnectionError,
    GatewayError,
    GatewayTimeoutError,
    LogNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    ResponseParseError,
)

__all__ = ["AsyncGatewayLogs", "GatewayLog", "GatewayLogs", "LogPatch", "logs_root"]

_REST_ROOT = "https://api.cloudflare.com/client/v4"
_LOG_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MAX_PAGES = 10_000  # a bound on list(), whatever result_info says


class GatewayLog(BaseModel):
    """One gateway log (fields of Cloudflare's log reference; unknown fields kept as extras)."""

    # defer_build: built with the first log read, not at import.
    model_config = ConfigDict(frozen=True, extra="allow", defer_build=True)

    id: str
    created_at: str | None = None
    model: str | None = None
    provider: str | None = None
    path: str | None = None
    status_code: int | None = None
    success: bool | None = None
    cached: bool | None = None
    duration: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    custom_cost: bool | None = None
    # Cloudflare sends metadata as a JSON-encoded string; decoded here when it is an object.
    metadata: dict[str, Any] | str | None = None
    feedback: int | None = None
    score: int | None = None
    step: int | None = None


MetadataValue = StrictStr | StrictInt | StrictFloat | StrictBool


class LogPatch(BaseModel):
    """The body of a log PATCH: only the fields given are sent (``None`` clears one)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    feedback: Literal[-1, 0, 1] | None = None
    score: Annotated[StrictInt, Field(ge=0, le=100)] | None = None
    metadata: dict[StrictStr, MetadataValue] | None = None


def logs_root(config: GatewayConfig) -> str:
    """The v4 REST root the log API lives under, for this config (module docstring)."""
    if config.base_url is None:
        return _REST_ROOT
    if config.endpoint == "rest":
        return config.base_url
    if config.base_url.endswith("/v1"):
        return config.base_url[: -len("/v1")] + "/client/v4"
    raise ConfigurationError(
        "cannot derive the log API's REST root from this gateway base_url; pass logs_base_url="
    )


def _decode_metadata(result: dict[str, Any]) -> dict[str, Any]:
    metadata = result.get("metadata")
    if isinstance(metadata, str):
        try:
            parsed = loads(metadata)
        except ValueError:
            return result
        if isinstance(parsed, dict):
            return {**result, "metadata": parsed}
    return result


def _filter_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if name == "filters" and isinstance(value, list):
        return json.dumps(value, separators=(",", ":"))
    raise ConfigurationError(f"log filter {name}={value!r}: expected a str, number or bool")


class _LogsCore:
    """The sans-I/O half: URLs, headers, validation, error translation."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        logs_base_url: str | None = None,
        not_found_wait: float = 3.0,
    ) -> None:
        if not_found_wait < 0:
            raise ConfigurationError("not_found_wait must be >= 0")
        self.config = config
        root = (logs_base_url or logs_root(config)).rstrip("/")
        gateway = config.gateway_id or "default"
        self._base = f"{root}/accounts/{config.account_id}/ai-gateway/gateways/{gateway}/logs"
        self._not_found_wait = not_found_wait
        token = config.api_token.get_secret_value()
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(config={self.config!r})"

    def __getstate__(self) -> NoReturn:
        # The headers hold the token in clear: never pickled, whatever the attribute order.
        refuse_pickle(type(self).__name__)

    def _url(self, log_id: str, suffix: str = "") -> str:
        if not isinstance(log_id, str) or not _LOG_ID.match(log_id):
            raise ConfigurationError(f"not a gateway log id: {log_id!r}")
        return f"{self._base}/{log_id}{suffix}"

    @staticmethod
    def _patch_body(feedback: object, score: object, metadata: object, given: set[str]) -> bytes:
        if not given:
            raise ConfigurationError("patch needs at least one of feedback, score, metadata")
        values = {"feedback": feedback, "score": score, "metadata": metadata}
        try:
            patch = LogPatch.model_validate({name: values[name] for name in given})
        except ValidationError as exc:
            raise ConfigurationError(f"invalid log patch: {exc}") from None
        return json.dumps(patch.model_dump(include=given), separators=(",", ":")).encode()

    @staticmethod
    def _list_params(filters: Mapping[str, object]) -> dict[str, str]:
        per_page = filters.get("per_page", 20)
        if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= 50:
            raise ConfigurationError("per_page must be an int from 1 to 50")
        if "page" in filters:
            raise ConfigurationError("list() pages by itself; pass no 'page'")
        return {name: _filter_value(name, value) for name, value in filters.items()}

    @staticmethod
    def _transport_error(exc: httpx.HTTPError) -> GatewayError:
        cls = (
            GatewayTimeoutError
            if isinstance(exc, httpx.TimeoutException)
            else (GatewayConnectionError)
        )
        error = cls(f"gateway log API: {type(exc).__name__}: {exc}")
        error.__cause__ = exc
        return error

    @staticmethod
    def _status_error(response: httpx.Response, write: bool) -> APIStatusError:
        error = error_from_response(
            response.status_code, response.headers, response.content, attempts=1
        )
        if isinstance(error, AuthenticationError | PermissionDeniedError):
            need = "AI Gateway Edit" if write else "AI Gateway Read"
            error.message = f"{error.message}: the API token needs the '{need}' permission"
            error.args = (error.message,)
        return error

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return loads(response.content)
        except ValueError:
            raise ResponseParseError(
                "gateway log API: the body is not JSON", status_code=response.status_code
            ) from None

    def _log(self, response: httpx.Response) -> GatewayLog:
        parsed = self._json(response)
        result = parsed.get("result") if isinstance(parsed, dict) else None
        if not isinstance(result, dict):
            raise ResponseParseError("gateway log API: no log in the answer", body=parsed)
        try:
            return GatewayLog.model_validate(_decode_metadata(result))
        except ValidationError as exc:
            raise ResponseParseError(
                f"gateway log API: unexpected log: {exc}", body=parsed
            ) from None

    def _page(self, response: httpx.Response) -> tuple[list[GatewayLog], int | None]:
        parsed = self._json(response)
        result = parsed.get("result") if isinstance(parsed, dict) else None
        if not isinstance(result, list):
            raise ResponseParseError("gateway log API: no log list in the answer", body=parsed)
        try:
            logs = [GatewayLog.model_validate(_decode_metadata(item)) for item in result]
        except (ValidationError, TypeError) as exc:
            raise ResponseParseError(
                f"gateway log API: unexpected log: {exc}", body=parsed
            ) from None
        info = parsed.get("result_info")
        total = info.get("total_count") if isinstance(info, dict) else None
        return logs, total if isinstance(total, int) else None

    def _waits(self) -> Iterator[float]:
        """The pauses between 404 retries: 0.1 s doubling, within ``not_found_wait`` overall."""
        spent, pause = 0.0, 0.1
        while spent + pause <= self._not_found_wait:
            yield pause
            spent += pause
            pause = min(pause * 2, 1.0)

    @staticmethod
    def _not_found(error: APIStatusError, log_id: str, waited: bool) -> LogNotFoundError:
        note = " after waiting for it to be written" if waited else ""
        found = LogNotFoundError(
            f"gateway log {log_id} not found{note} (not written yet, not collected, or of "
            "another gateway)",
            status_code=error.status_code,
            code=error.code,
            body=error.body,
            headers=error.headers,
        )
        found.__cause__ = error
        return found


class GatewayLogs(_LogsCore):
    """Gateway logs, synchronously, over the transport's shared connection pool."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        logs_base_url: str | None = None,
        not_found_wait: float = 3.0,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            config or GatewayConfig.from_env(),
            logs_base_url=logs_base_url,
            not_found_wait=not_found_wait,
        )
        self._injected = http_client
        self._sleep = sleep

    def _send(self, method: str, url: str, *, write: bool = False, **kw: Any) -> httpx.Response:
        http = self._injected if self._injected is not None else sync_pool()
        headers = {**self._headers, "Content-Type": "application/json"} if write else self._headers
        try:
            response = http.request(method, url, headers=headers, timeout=self._timeout, **kw)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        if response.status_code >= 300:
            raise self._status_error(response, write)
        return response

    def _read(self, log_id: str, suffix: str = "") -> httpx.Response:
        url = self._url(log_id, suffix)
        waits = self._waits()
        while True:
            try:
                return self._send("GET", url)
            except NotFoundError as error:
                pause = next(waits, None)
                if pause is None:
                    raise self._not_found(error, log_id, self._not_found_wait > 0) from error
                self._sleep(pause)

    def get(self, log_id: str) -> GatewayLog:
        """One log by its id (``completion.meta.log_id``)."""
        return self._log(self._read(log_id))

    def request_body(self, log_id: str) -> Any:
        """The request body the gateway logged (parsed JSON, else text)."""
        return _body(self._read(log_id, "/request"))

    def response_body(self, log_id: str) -> Any:
        """The response body the gateway logged (JSON, or the SSE text of a stream)."""
        return _body(self._read(log_id, "/response"))

    def list(self, **filters: object) -> Iterator[GatewayLog]:
        """Every log matching Cloudflare's list filters (``order_by``, ``min_cost``, ``model``,
        ``feedback``...), fetched a page (``per_page``, default 20) at a time."""
        params = self._list_params(filters)
        return self._pages(params)

    def _pages(self, params: dict[str, str]) -> Iterator[GatewayLog]:
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            response = self._send("GET", self._base, params={**params, "page": str(page)})
            logs, total = self._page(response)
            yield from logs
            seen += len(logs)
            if not logs or (total is not None and seen >= total):
                return

    def patch(
        self,
        log_id: str,
        *,
        feedback: Literal[-1, 0, 1] | object | None = ...,
        score: int | object | None = ...,
        metadata: Mapping[str, Any] | object | None = ...,
    ) -> GatewayLog:
        """Set feedback (-1/0/1), a score (0-100) and/or metadata on a log; returns the log."""
        given = {n for n, v in (("feedback", feedback), ("score", score),
                                ("metadata", metadata)) if v is not ...}  # fmt: skip
        body = self._patch_body(feedback, score, metadata, given)
        url = self._url(log_id)
        return self._log(self._send("PATCH", url, write=True, content=body))


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


class AsyncGatewayLogs(_LogsCore):
    """Gateway logs, asynchronously (same methods as `GatewayLogs`, awaited)."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        logs_base_url: str | None = None,
        not_found_wait: float = 3.0,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = _asyncio_sleep,
    ) -> None:
        super().__init__(
            config or GatewayConfig.from_env(),
            logs_base_url=logs_base_url,
            not_found_wait=not_found_wait,
        )
        self._injected = http_client
        self._sleep = sleep

    async def _send(
        self, method: str, url: str, *, write: bool = False, **kw: Any
    ) -> httpx.Response:
        http = self._injected if self._injected is not None else async_pool()
        headers = {**self._headers, "Content-Type": "application/json"} if write else self._headers
        try:
            response = await http.request(method, url, headers=headers, timeout=self._timeout, **kw)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        if response.status_code >= 300:
            raise self._status_error(response, write)
        return response

    async def _read(self, log_id: str, suffix: str = "") -> httpx.Response:
        url = self._url(log_id, suffix)
        waits = self._waits()
        while True:
            try:
                return await self._send("GET", url)
            except NotFoundError as error:
                pause = next(waits, None)
                if pause is None:
                    raise self._not_found(error, log_id, self._not_found_wait > 0) from error
                await self._sleep(pause)

    async def get(self, log_id: str) -> GatewayLog:
        return self._log(await self._read(log_id))

    async def request_body(self, log_id: str) -> Any:
        return _body(await self._read(log_id, "/request"))

    async def response_body(self, log_id: str) -> Any:
        return _body(await self._read(log_id, "/response"))

    def list(self, **filters: object) -> AsyncIterator[GatewayLog]:
        params = self._list_params(filters)
        return self._pages(params)

    async def _pages(self, params: dict[str, str]) -> AsyncIterator[GatewayLog]:
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            response = await self._send("GET", self._base, params={**params, "page": str(page)})
            logs, total = self._page(response)
            for log in logs:
                yield log
            seen += len(logs)
            if not logs or (total is not None and seen >= total):
                return

    async def patch(
        self,
        log_id: str,
        *,
        feedback: Literal[-1, 0, 1] | object | None = ...,
        score: int | object | None = ...,
        metadata: Mapping[str, Any] | object | None = ...,
    ) -> GatewayLog:
        given = {n for n, v in (("feedback", feedback), ("score", score),
                                ("metadata", metadata)) if v is not ...}  # fmt: skip
        body = self._patch_body(feedback, score, metadata, given)
        return self._log(await self._send("PATCH", self._url(log_id), write=True, content=body))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
