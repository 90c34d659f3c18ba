"""The Responses API routes: ``/ai/v1/responses`` (REST) and ``/openai/responses`` (gateway host).

The layers run as on the chat routes (``_app.ChatHandler``, whose auth, fault and body-writing
steps are reused): request log → auth → ``cf-aig-*`` header checks → injected fault → model →
OpenAI's Responses checks (``_responses_validate``) → ``previous_response_id`` → returned
reasoning items → cache → the model (``model._responses.respond``) → JSON body or typed SSE.

State kept here, per emulator: the reasoning seal's secret and, for ``store`` (default true),
the last responses (their input and output items) so that ``previous_response_id`` chains and a
stored reasoning item may come back without ``encrypted_content``. With ``store: false`` nothing
is kept, as on OpenAI: chaining onto such a response answers 400 ``previous_response_not_found``
and a reasoning item sent back without its ``encrypted_content`` 404 "Items are not persisted…".

The request log marks returned reasoning: ``RecordedRequest.reasoning_returned`` lists the ids
of the reasoning items in ``input`` that this emulator produced (their ``encrypted_content``
verified, or stored), so a test can prove a client sent the previous turn's reasoning back.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..model._responses import input_items, item_type, respond
from . import _responses_out as out
from . import _wire_out
from ._aig_headers import GatewayRequestOptions, parse_gateway_headers
from ._app import (
    FAULT_HEADER,
    ChatHandler,
    EmulatorState,
    RecordedRequest,
    _json,
    _method_not_allowed,
    _rejection,
    redact_headers,
)
from ._cache import CachedResponse, cache_key
from ._faults import Fault
from ._reasoning_seal import ReasoningSeal, unverified_message
from ._responses_validate import check_input, check_request, error
from ._validate import Rejection, check_model, check_model_rules, dated_model, user_input_error

Family = Literal["rest", "openai"]
STORE_LIMIT = 512  # stored responses kept (oldest dropped first)

Json = dict[str, Any]


class ResponseStore:
    """Responses created with ``store`` true: their items, and their reasoning items by id."""

    def __init__(self) -> None:
        self._responses: OrderedDict[str, list[Json]] = OrderedDict()
        self._reasoning: OrderedDict[str, str] = OrderedDict()  # item id → response id
        self._lock = threading.Lock()

    def put(self, response_id: str, items: list[Json]) -> None:
        with self._lock:
            self._responses[response_id] = items
            for item in items:
                if item_type(item) == "reasoning" and isinstance(item.get("id"), str):
                    self._reasoning[item["id"]] = response_id
            while len(self._responses) > STORE_LIMIT:
                self._responses.popitem(last=False)
            while len(self._reasoning) > STORE_LIMIT * 4:
                self._reasoning.popitem(last=False)

    def items(self, response_id: str) -> list[Json] | None:
        with self._lock:
            found = self._responses.get(response_id)
            return list(found) if found is not None else None

    def has_reasoning(self, item_id: Any) -> bool:
        with self._lock:
            return item_id in self._reasoning


def _reasoning_inputs(body: Any) -> list[Json]:
    if not isinstance(body, dict) or not isinstance(body.get("input"), list):
        return []
    return [item for item in input_items(body) if item_type(item) == "reasoning"]


class ResponsesHandler(ChatHandler):
    def __init__(self, state: EmulatorState) -> None:
        super().__init__(state)
        self.seal = ReasoningSeal()
        self.store = ResponseStore()

    def returned_reasoning(self, body: Any) -> tuple[str, ...]:
        """Ids of this emulator's reasoning items found in ``input`` (for the request log)."""
        found: list[str] = []
        for item in _reasoning_inputs(body):
            opened = self.seal.open(item.get("encrypted_content"))
            if opened is not None:
                found.append(str(opened.get("id")))
            elif "encrypted_content" not in item and self.store.has_reasoning(item.get("id")):
                found.append(str(item.get("id")))
        return tuple(found)

    async def __call__(self, request: Request, family: Family) -> Response:  # type: ignore[override]
        # Counted and tagged with the reset generation, as chat requests are (``EmulatorState``).
        generation = self.state.begin()
        try:
            return await self._respond(request, family, generation)
        finally:
            self.state.end()

    async def _respond(self, request: Request, family: Family, generation: int) -> Response:
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
                reasoning_returned=self.returned_reasoning(body),
            )
        )
        headers = _wire_out.gateway_headers(request.headers.get("cf-aig-event-id"))
        denied = self._auth(request, family, headers)
        if denied is not None:
            return denied
        if isinstance(options, Rejection):
            return _rejection(options, headers)
        try:
            fault = self._pick_fault(request)
        except ValueError as exc:
            return _json(400, {"error": f"emulator: bad {FAULT_HEADER} header: {exc}"}, headers)
        if fault is not None:
            early = await self._early_fault(request, fault, headers)
            if early is not None:
                return early
        if not isinstance(body, dict):
            return _rejection(
                user_input_error("Invalid JSON body: expected a JSON object"), headers
            )
        checked = self._check(body, family)
        if isinstance(checked, Rejection):
            return _rejection(checked, headers)
        return self._answer_responses(request, body, checked, options, fault, headers, generation)

    def _check(self, body: Json, family: Family) -> list[Json] | Rejection:
        """All refusals, in OpenAI's order; on success the chained history items."""
        model = check_model(body.get("model"), provider_native=family == "openai", compat=False)
        if model is not None:
            return model
        rejection = check_request(body)
        if rejection is not None:
            return rejection
        raw_reasoning = body.get("reasoning")
        reasoning: Json = raw_reasoning if isinstance(raw_reasoning, dict) else {}
        rules_body = {"model": body.get("model"), "temperature": body.get("temperature")}
        if reasoning.get("effort") is not None:
            rules_body["reasoning_effort"] = reasoning["effort"]
        rejection = check_model_rules(rules_body)
        if rejection is not None:
            return rejection
        history: list[Json] = []
        previous = body.get("previous_response_id")
        if previous is not None:
            stored = self.store.items(previous)
            if stored is None:
                return error(
                    f"Previous response with id '{previous}' not found.",
                    "previous_response_id",
                    "previous_response_not_found",
                )
            history = stored
        rejection = check_input(body, history)
        if rejection is not None:
            return rejection
        for item in _reasoning_inputs(body):
            rejection = self._check_reasoning(item, store=body.get("store", True) is not False)
            if rejection is not None:
                return rejection
        return history

    def _check_reasoning(self, item: Json, *, store: bool) -> Rejection | None:
        if "encrypted_content" in item and item["encrypted_content"] is not None:
            if self.seal.open(item["encrypted_content"]) is None:
                message = unverified_message(item["encrypted_content"])
                return error(message, None, "invalid_encrypted_content")
            return None
        if self.store.has_reasoning(item.get("id")):
            return None
        message = f"Item with id '{item.get('id')}' not found."
        if not store:
            message += (
                " Items are not persisted when `store` is set to false. Try again with `store` "
                "set to true, or remove this item from your input."
            )
        return error(message, "input", None, status=404)

    def _answer_responses(
        self,
        request: Request,
        body: Json,
        history: list[Json],
        options: GatewayRequestOptions,
        fault: Fault | None,
        headers: dict[str, str],
        generation: int,
    ) -> Response:
        stream = body.get("stream") is True
        key: str | None = None
        if options.cache_in_play:
            headers["cf-aig-cache-status"] = "MISS"
            if not options.skip_cache and self.state.is_current(generation):
                key = cache_key(request.url.path, body, options.cache_key)
                hit = self.state.cache.get(key)
                if hit is not None:
                    headers["cf-aig-cache-status"] = "HIT"
                    if hit.events is not None:
                        return self._typed_stream(request, list(hit.events), fault, headers)
                    return self._plain(request, hit.body or {}, fault, headers)
        turn = respond(body, self.state.next_reply(generation), history)
        ctx = out.ResponseContext(
            request=body,
            response_id=out.new_id("resp"),
            created_at=int(time.time()),
            model=dated_model(str(body.get("model"))),
        )
        output = out.output_items(turn, ctx, self.seal)
        if body.get("store", True) is not False:
            self.store.put(ctx.response_id, [*history, *input_items(body), *output])
        cache_ttl = options.cache_ttl if key is not None and fault is None else None
        if stream:
            events = [out.sse_typed(event) for event in out.stream_events(ctx, output, turn)]
            if key is not None and cache_ttl is not None:
                self.state.cache.put(key, CachedResponse(events=tuple(events)), cache_ttl)
            return self._typed_stream(request, events, fault, headers)
        response = out.response_object(ctx, status=turn.status, output=output, turn=turn)
        if key is not None and cache_ttl is not None:
            self.state.cache.put(key, CachedResponse(body=response), cache_ttl)
        return self._plain(request, response, fault, headers)

    def _typed_stream(
        self, request: Request, events: list[bytes], fault: Fault | None, headers: dict[str, str]
    ) -> Response:
        events, fault = stream_with_fault(events, fault)
        return self._stream(request, events, fault, headers)


def stream_with_fault(events: list[bytes], fault: Fault | None) -> tuple[list[bytes], Fault | None]:
    """Bake the faults whose bytes differ from chat's into the event list (an ``error`` event,
    a cut-off event); ``cut`` and ``slow`` are left to ``_asgi_io.sse_body``."""
    if fault is None or fault.after >= len(events):
        return events, fault if fault is not None and fault.kind in ("cut", "slow") else None
    if fault.kind == "error_event":
        message = fault.message or "The server had an error while processing your request."
        code = str(fault.code) if fault.code is not None else "server_error"
        return [*events[: fault.after], out.error_event(fault.after, message, code)], None
    if fault.kind == "malformed":
        return [*events[: fault.after], out.MALFORMED_EVENT, *events[fault.after :]], None
    return events, fault if fault.kind in ("cut", "slow") else None


def responses_routes(state: EmulatorState) -> list[Route]:
    handler = ResponsesHandler(state)

    async def rest(request: Request) -> Response:
        if request.method != "POST":
            return _method_not_allowed(request)
        return await handler(request, "rest")

    async def provider_openai(request: Request) -> Response:
        return await handler(request, "openai")

    every_method = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [
        Route("/client/v4/accounts/{account_id}/ai/v1/responses", rest, methods=every_method),
        Route("/v1/{account_id}/{gateway_id}/openai/responses", provider_openai, methods=["POST"]),
    ]
