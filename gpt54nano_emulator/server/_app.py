"""The emulator's Starlette app: routes, auth, request log, cache, faults, response writing.

Layers run in the order Cloudflare's do: request log → routing/auth (v4 envelope on
api.cloudflare.com paths, ``AiGatewayError`` on gateway-host paths) → ``cf-aig-*`` header checks
→ injected fault → model lookup → catalog schema → OpenAI's own rules (``_openai_rules``) →
cache → the model (``_brain.generate``) → JSON body or SSE stream.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from ..model._brain import Generation, Reply, generate
from . import _wire_out
from ._aig_headers import GatewayRequestOptions, parse_gateway_headers
from ._asgi_io import KeepRawSend, NoResponse, drop_connection, partial_body, sse_body
from ._cache import CachedResponse, ResponseCache, cache_key
from ._dynamic_routes import RouteTable, resolve_route
from ._faults import (
    Fault,
    FaultPlans,
    envelope_fault_body,
    parse_fault_header,
    status_fault_response,
)
from ._guardrails import after_model, before_model, content_fault, is_platform_fault
from ._log_api import log_routes
from ._log_recorder import LogRecorder
from ._log_store import LOG_CONTEXT, LogContext, LogStore, log_context
from ._openai_rules import check_openai_rules
from ._validate import (
    Rejection,
    check_model,
    check_schema,
    dated_model,
    user_input_error,
)

Family = Literal["rest", "compat", "openai"]
FAULT_HEADER = "x-emulator-fault"
_REDACTED_HEADERS = frozenset({"authorization", "cf-aig-authorization"})


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the emulator saw it (tokens redacted)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    gateway_metadata: dict[str, Any] | None = None
    # Responses routes: ids of this emulator's reasoning items sent back in ``input``.
    reasoning_returned: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in _REDACTED_HEADERS:
            value = "Bearer [REDACTED]" if value.lower().startswith("bearer ") else "[REDACTED]"
        out[lowered] = value
    return out


@dataclass
class EmulatorState:
    """Mutable emulator state shared by the server thread and the test thread."""

    account_id: str
    api_token: str
    gateways: tuple[str, ...]
    replies: deque[Reply] = field(default_factory=deque)
    plans: FaultPlans = field(default_factory=FaultPlans)
    cache: ResponseCache = field(default_factory=ResponseCache)
    log: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Bumped by every ``reset()``. A request remembers the generation it arrived in, so one
    #: still in flight across a reset (a stalled request its client gave up on) cannot take
    #: the replies queued, or touch the cache filled, for the requests that come after it.
    generation: int = 0
    in_flight: int = 0
    logs: LogStore = field(default_factory=LogStore)  # the gateway logs (``_log_store``)
    dynamic_routes: RouteTable = field(default_factory=dict)
    #: Seconds between two stream events (0 = instant, for tests); the CLI sets a human pace.
    stream_pace: float = 0.0

    def record(self, entry: RecordedRequest) -> None:
        with self.lock:
            self.log.append(entry)

    def begin(self) -> int:
        """A request arrives: count it and return the generation it belongs to."""
        with self.lock:
            self.in_flight += 1
            return self.generation

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def is_current(self, generation: int) -> bool:
        with self.lock:
            return generation == self.generation

    def next_reply(self, generation: int) -> Reply | None:
        with self.lock:
            if generation != self.generation or not self.replies:
                return None
            return self.replies.popleft()

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.replies.clear()
            self.log.clear()
        self.plans.clear()
        self.cache.clear()
        self.logs.clear()


# --- responses -----------------------------------------------------------------------------------


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    text = json.dumps(body, separators=(",", ":"))
    return Response(
        text, status_code=status, headers=dict(headers or {}), media_type="application/json"
    )


def _rejection(rejection: Rejection, headers: Mapping[str, str]) -> Response:
    return _json(rejection.status, rejection.body, headers)


# --- the chat handler --------------------------------------------------------------------------


class ChatHandler:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _auth(self, request: Request, family: Family, headers: dict[str, str]) -> Response | None:
        state = self.state
        params = request.path_params
        if family == "rest":
            token = request.headers.get("authorization", "")
            if token != f"Bearer {state.api_token}":
                # api.cloudflare.com auth layer: v4 envelope 10000 (wire doc §4.1 (a), [S44]).
                return _json(401, _wire_out.v4_error(10000, "Authentication error"), headers)
            if params["account_id"] != state.account_id:
                message = (
                    f"Could not route to {request.url.path}, perhaps your object identifier is "
                    "invalid?"
                )
                return _json(404, _wire_out.v4_error(7003, message), headers)
            gateway = request.headers.get("cf-aig-gateway-id")
            if gateway is not None and gateway not in state.gateways:
                return self._no_gateway(headers)
            return None
        token = request.headers.get("cf-aig-authorization", "")
        if token != f"Bearer {state.api_token}" or params["account_id"] != state.account_id:
            # Gateway host: AiGatewayError 2009 (§4.1 (b), captured [S34]); a wrong account
            # also answers 401 there (observed, §1.d).
            return _json(401, _wire_out.gateway_error(401, 2009, "Unauthorized"), headers)
        if params["gateway_id"] not in state.gateways:
            return self._no_gateway(headers)
        return None

    @staticmethod
    def _gateway_of(request: Request, family: Family) -> str:
        if family == "rest":
            return request.headers.get("cf-aig-gateway-id") or "default"
        return str(request.path_params["gateway_id"])

    @staticmethod
    def _no_gateway(headers: Mapping[str, str]) -> Response:
        message = "Please configure AI Gateway in the Cloudflare dashboard"
        return _json(400, _wire_out.gateway_error(400, 2001, message), headers)

    def _pick_fault(self, request: Request) -> Fault | None:
        raw = request.headers.get(FAULT_HEADER)
        if raw is not None:
            return parse_fault_header(raw)
        return self.state.plans.draw()

    async def __call__(self, request: Request, family: Family) -> Response:
        generation = self.state.begin()
        try:
            return await self._handle(request, family, generation)
        finally:
            self.state.end()

    async def _handle(self, request: Request, family: Family, generation: int) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        client_headers = redact_headers(request.headers.items())
        options = parse_gateway_headers(client_headers)
        metadata = options.metadata if isinstance(options, GatewayRequestOptions) else None
        self.state.record(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                headers=client_headers,
                body=body if isinstance(body, dict) else None,
                gateway_metadata=metadata,
            )
        )
        event_id = request.headers.get("cf-aig-event-id")
        headers = _wire_out.gateway_headers(event_id)

        denied = self._auth(request, family, headers)
        if denied is not None:
            return denied
        gateway = self._gateway_of(request, family)
        request.scope[LOG_CONTEXT] = _log_context(gateway, options)
        if isinstance(options, Rejection):
            return _rejection(options, headers)

        try:
            fault = self._pick_fault(request)
        except ValueError as exc:
            return _json(400, {"error": f"emulator: bad {FAULT_HEADER} header: {exc}"}, headers)
        if fault is None:
            fault = content_fault(body)  # [[guardrail:…]] / [[dlp:…]] markers (_guardrails)
        if fault is not None:
            early = await self._early_fault(request, fault, headers)
            if early is not None:
                return early

        if not isinstance(body, dict):
            return _rejection(
                user_input_error("Invalid JSON body: expected a JSON object"), headers
            )
        if family != "openai":
            body, route = resolve_route(body, self.state.dynamic_routes.get(gateway, frozenset()))
            context = log_context(request.scope)
            if context is not None and route is not None:
                context.route = route
                context.model = str(body.get("model"))  # also for a cache hit
        rejection = check_model(
            body.get("model"), provider_native=family == "openai", compat=family == "compat"
        )
        if rejection is None and family != "openai":
            # The catalog schema is Cloudflare's check for its catalog slug; the provider-native
            # route passes the body to OpenAI unchanged.
            rejection = check_schema(body)
        if rejection is None:
            rejection = check_openai_rules(body)  # what OpenAI refuses, relayed as is
        if rejection is not None:
            return _rejection(rejection, headers)
        return self._answer(request, body, options, fault, headers, generation)

    async def _early_fault(
        self, request: Request, fault: Fault, headers: dict[str, str]
    ) -> Response | None:
        """Faults decided before the model runs; ``None`` lets the request go on."""
        if fault.kind == "stall":
            await asyncio.sleep(fault.seconds)
            if await request.is_disconnected():
                # The client gave up during the stall: answering would consume a queued reply
                # meant for a later request (and log a call nobody received).
                return NoResponse()
            return None
        if fault.kind == "status":
            status, media_type, text = status_fault_response(fault)
            out = dict(headers)
            if fault.retry_after is not None:
                out["retry-after"] = str(fault.retry_after)
            return Response(text, status_code=status, headers=out, media_type=media_type)
        if fault.kind == "envelope":
            return _json(200, envelope_fault_body(fault), headers)
        if fault.kind == "reset":
            await drop_connection(request.scope, hard=fault.hard)
            return NoResponse()
        if is_platform_fault(fault):
            blocked = before_model(fault, headers)
            if blocked is not None:
                return _rejection(blocked, headers)
        return None

    def _answer(
        self,
        request: Request,
        body: dict[str, Any],
        options: GatewayRequestOptions,
        fault: Fault | None,
        headers: dict[str, str],
        generation: int,
    ) -> Response:
        stream = body.get("stream") is True
        cache = self.state.cache
        key: str | None = None
        current = self.state.is_current(generation)
        if options.cache_in_play:
            headers["cf-aig-cache-status"] = "MISS"
            if not options.skip_cache and current:
                key = cache_key(request.url.path, body, options.cache_key)
                hit = cache.get(key)
                if hit is not None:
                    headers["cf-aig-cache-status"] = "HIT"
                    context = log_context(request.scope)
                    if context is not None:
                        context.cached = True
                    if hit.events is not None:
                        return self._stream(request, list(hit.events), fault, headers)
                    return self._plain(request, hit.body or {}, fault, headers)
        answer: Generation = generate(body, self.state.next_reply(generation))
        context = log_context(request.scope)
        if context is not None:
            context.model = str(body.get("model"))
            context.prompt_tokens = answer.prompt_tokens
            context.completion_tokens = answer.completion_tokens
        blocked = after_model(fault)  # a guardrail/DLP block of the model's response
        if blocked is not None:
            return _rejection(blocked, headers)
        model = dated_model(str(body.get("model")))
        response_id = _wire_out.completion_id()
        created = int(time.time())
        store = key is not None and options.cache_ttl is not None and fault is None
        if stream:
            stream_options = body.get("stream_options") or {}
            include_usage = bool(stream_options.get("include_usage"))
            chunks = _wire_out.stream_chunks(
                answer,
                response_id=response_id,
                created=created,
                include_usage=include_usage,
                model=model,
            )
            events = [_wire_out.sse_event(chunk) for chunk in chunks]
            events.append(_wire_out.SSE_DONE)
            if store and key is not None and options.cache_ttl is not None:
                cache.put(key, CachedResponse(events=tuple(events)), options.cache_ttl)
            return self._stream(request, events, fault, headers)
        completion = _wire_out.completion_body(
            answer, response_id=response_id, created=created, model=model
        )
        if store and key is not None and options.cache_ttl is not None:
            cache.put(key, CachedResponse(body=completion), options.cache_ttl)
        return self._plain(request, completion, fault, headers)

    def _plain(
        self, request: Request, body: dict[str, Any], fault: Fault | None, headers: dict[str, str]
    ) -> Response:
        text = json.dumps(body, separators=(",", ":"))
        if fault is None:
            return Response(text, headers=headers, media_type="application/json")
        if fault.kind == "malformed":
            return Response(text[: len(text) // 2], headers=headers, media_type="application/json")
        if fault.kind in ("cut", "slow"):
            data = text.encode()
            cut = fault.kind == "cut"
            out = dict(headers)
            out["content-length"] = str(len(data))
            return StreamingResponse(
                partial_body(request.scope, data, cut=cut, delay=fault.seconds, hard=fault.hard),
                headers=out,
                media_type="application/json",
            )
        return Response(text, headers=headers, media_type="application/json")

    def _stream(
        self, request: Request, events: list[bytes], fault: Fault | None, headers: dict[str, str]
    ) -> Response:
        return StreamingResponse(
            sse_body(request.scope, events, fault, pace=self.state.stream_pace),
            headers=headers,
            media_type="text/event-stream",
        )


def _log_context(gateway: str, options: GatewayRequestOptions | Rejection) -> LogContext:
    if isinstance(options, Rejection):
        return LogContext(gateway)
    return LogContext(
        gateway,
        collect=options.collect_log,
        collect_payload=options.collect_log_payload,
        custom_cost=options.custom_cost,
        metadata=options.metadata,
        event_id=options.event_id,
    )


# --- app ---------------------------------------------------------------------------------------


def _method_not_allowed(request: Request) -> Response:
    message = f"{request.method} not supported for requested URI."
    return _json(405, _wire_out.v4_error(7001, message), {"cf-ray": _wire_out.ray_id()})


def _could_not_route(request: Request) -> Response:
    message = f"Could not route to {request.url.path}, perhaps your object identifier is invalid?"
    return _json(404, _wire_out.v4_error(7003, message), {"cf-ray": _wire_out.ray_id()})


def build_app(state: EmulatorState) -> ASGIApp:
    from ._responses_route import responses_routes  # it builds on ChatHandler: import late

    handler = ChatHandler(state)

    async def rest(request: Request) -> Response:
        if request.method != "POST":
            return _method_not_allowed(request)
        return await handler(request, "rest")

    async def compat(request: Request) -> Response:
        return await handler(request, "compat")

    async def provider_openai(request: Request) -> Response:
        return await handler(request, "openai")

    async def requests_log(request: Request) -> Response:
        with state.lock:
            entries = [entry.to_json() for entry in state.log]
        return JSONResponse(entries)

    async def not_found(request: Request) -> Response:
        if request.url.path.startswith("/client/v4/"):
            return _could_not_route(request)
        return _json(404, {"error": f"emulator: no route for {request.url.path}"})

    every_method = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    routes = [
        Route(
            "/client/v4/accounts/{account_id}/ai/v1/chat/completions", rest, methods=every_method
        ),
        Route(
            "/client/v4/accounts/{account_id}/ai/v1/models",
            _method_not_allowed,
            methods=every_method,
        ),
        Route("/v1/{account_id}/{gateway_id}/compat/chat/completions", compat, methods=["POST"]),
        Route(
            "/v1/{account_id}/{gateway_id}/openai/chat/completions",
            provider_openai,
            methods=["POST"],
        ),
        *responses_routes(state),
        Route("/__emulator/requests", requests_log, methods=["GET"]),
        *log_routes(state),
        Route("/{path:path}", not_found, methods=every_method),
    ]
    return KeepRawSend(LogRecorder(Starlette(routes=routes), state.logs))
