"""A local emulator of Cloudflare's API for ``openai/gpt-5.4-nano`` (extra ``emulator``).

It is the independent check on the transport: it imports nothing from the client side and writes
every response itself, following ``docs/reference/cloudflare-wire.md`` (Cloudflare's documented
and captured wire format) and validating requests against Cloudflare's published catalog input
schema.

Use::

    from gpt54nano_emulator import Emulator, Fault, Reply

    with Emulator() as emu:                   # 127.0.0.1, free port, background thread
        emu.base_url                          # http://127.0.0.1:PORT/client/v4  (endpoint "rest")
        emu.gateway_base_url                  # http://127.0.0.1:PORT/v1  (endpoint "gateway")
        emu.queue_reply(Reply(content="hi"))  # the next chat request answers "hi"
        emu.plan_faults(Fault(kind="status", status=429, code=2003), next_n=2)

Command line: ``gpt54nano-emulator --port 8787`` (or ``python -m gpt54nano_emulator``).
Defaults: account ``acct-emulator``, token ``emulator-token``, gateways ``("default",)``.
Keyword options: ``dynamic_routes`` (see "Dynamic routes"), ``log_delay`` / ``log_delay_gets``
(see "Gateway logs").

Routes
------
* ``POST /client/v4/accounts/{account_id}/ai/v1/chat/completions``: REST, ``Authorization:
  Bearer <token>``, optional ``cf-aig-gateway-id`` (must name a known gateway), model
  ``openai/gpt-5.4-nano`` (``openai/gpt-5.4-mini`` is accepted too). ``GET …/ai/v1/models``
  (and non-POST methods) → 405 v4 envelope 7001.
* ``POST /v1/{account_id}/{gateway_id}/compat/chat/completions``: gateway host, token in
  ``cf-aig-authorization: Bearer <token>``, model ``openai/gpt-5.4-nano``.
* ``POST /v1/{account_id}/{gateway_id}/openai/chat/completions``: provider-native, model
  ``gpt-5.4-nano`` (no prefix); the body goes to "OpenAI" without Cloudflare's schema check.
* ``POST /client/v4/accounts/{account_id}/ai/v1/responses`` (REST, model
  ``openai/gpt-5.4-nano``) and ``POST /v1/{account_id}/{gateway_id}/openai/responses``
  (provider-native, model ``gpt-5.4-nano``, ``cf-aig-authorization``): OpenAI's Responses API,
  stream (typed ``event:`` SSE, no ``[DONE]``) and non-stream, with the chat routes' auth,
  ``cf-aig-*`` headers, faults, cache and request log (``server/_responses_route.py``). Function
  tools with reasoning are allowed. Any ``reasoning.effort`` but ``"none"`` (the default) adds a
  ``reasoning`` item: ``summary`` text when ``reasoning.summary`` is set, ``encrypted_content``
  (HMAC-sealed with a per-emulator secret) when ``include`` has ``reasoning.encrypted_content``.
  A returned item is checked (altered → OpenAI's 400 ``invalid_encrypted_content``) and listed
  in ``RecordedRequest.reasoning_returned``. ``store`` (default true) keeps the response for
  ``previous_response_id``; ``store: false`` keeps nothing (400 ``previous_response_not_found``).
  Unknown parameters and bad values → OpenAI's 400 bodies (``server/_responses_validate.py``);
  ``max_output_tokens`` counts reasoning tokens and a cut answer is ``incomplete``; a queued
  ``Reply(finish_reason="failed")`` gives ``status: failed`` (stream: ``response.failed``).
  Stream faults: ``error_event`` sends a Responses ``error`` event, ``malformed`` a cut-off
  typed event, ``cut``/``slow`` as for chat.
* ``GET /__emulator/requests``: the request log as JSON (tokens redacted).
* ``GET /client/v4/accounts/{account_id}/ai-gateway/gateways/{gateway_id}/logs[/{log_id}
  [/request|/response]]`` and ``PATCH …/logs/{log_id}``: the gateway logs (below).

Errors: missing/wrong token → 401 (REST: v4 ``10000 Authentication error``; gateway host:
``AiGatewayError 2009 Unauthorized``); unknown account → REST 404 v4 ``7003 Could not route to
…``, gateway host 401/2009; unknown gateway → 400 ``AiGatewayError 2001``; unknown model → compat
400/2008, REST 404/7003 ``Model not found: <slug>``, provider route OpenAI 404
``model_not_found``; schema violation → 400 ``AiGatewayError 7003 "Model execution failed (User
Input Error): Invalid value at <json pointer>: <reason>"``; then, on every chat route, OpenAI's
own 400 ``{"error": {...}}`` bodies, relayed as Cloudflare relays them (``server._openai_rules``
has the texts, sources and order): an unknown top-level argument ("Unrecognized request
argument supplied: <name>"), GPT-5.4 ``reasoning_effort: "minimal"`` (``unsupported_value``),
GPT-5 temperature ≠ 1 unless ``reasoning_effort == "none"`` (``unsupported_value``), GPT-5.4
function tools with a ``reasoning_effort`` other than ``"none"``, a ``tool`` message answering
no ``tool_calls``, unanswered ``tool_calls``, and a prompt over 128,000 estimated tokens
(``context_length_exceeded``); out-of-range
``cf-aig-max-attempts`` (1-5), ``cf-aig-retry-delay`` (0-5000), ``cf-aig-backoff``,
``cf-aig-cache-ttl`` (60-2592000), ``cf-aig-request-timeout`` (> 0) or a ``cf-aig-metadata``
that is not a JSON object → 400 ``AiGatewayError`` with the emulator-only code 2999
(Cloudflare documents none).

Every chat-route response carries ``cf-aig-log-id`` = ``cf-aig-request-id`` (a lowercase
UUIDv7), ``cf-aig-event-id`` (the same, or the client's ``cf-aig-event-id``), ``cf-aig-step: 0``
and ``cf-ray``; ``cf-aig-cache-status: HIT|MISS`` when a cache header was sent.

Cache: ``cf-aig-cache-ttl`` (store for that long) and/or ``cf-aig-cache-key`` (custom key; 300 s
when no ttl) turn it on; ``cf-aig-skip-cache: true`` bypasses it (MISS, nothing stored). Streams
are cached only when such a header asks (Cloudflare does not cache streams by default); a hit
replays the recorded SSE events. Faulted answers are never stored. ``emu.advance_time(s)`` moves
the cache clock.

Other ``cf-aig-*`` headers (request timeout, gateway retries, logging, ZDR, BYOK alias, custom
cost) are checked where a range is documented and recorded; the emulator does not retry upstream
or time out on the client's behalf. ``cf-aig-custom-cost`` sets the log's cost,
``cf-aig-collect-log: false`` writes no log, ``cf-aig-collect-log-payload: false`` keeps no
bodies. ``cf-aig-metadata`` keeps its first five
entries (``RecordedRequest.gateway_metadata``; ``None`` when a value is not a string, number or
boolean, as observed live).

Gateway logs
------------
Every chat request that got past auth and gateway resolution is logged under its
``cf-aig-log-id`` in its gateway (REST: ``cf-aig-gateway-id``, default ``default``), written
just before the response's last byte. The v4 log API (``Authorization: Bearer <token>``, like
REST; 401 v4 10000, other account 404 v4 7003):

* ``GET …/logs/{id}`` → ``{"result": {...}, "success": true, "errors": [], "messages": []}``
  with the reference's fields: ``id, cached, created_at, duration, model, path, provider,
  success, tokens_in, tokens_out, cost, custom_cost, metadata, model_type,
  request_content_type, request_head, request_head_complete, request_size, request_type,
  response_content_type, response_head, response_head_complete, response_size, status_code,
  step``, plus ``feedback`` and ``score`` (not in the reference; shown so PATCH is visible).
* ``GET …/logs/{id}/request`` / ``…/response``: the bodies as sent (no envelope).
* ``GET …/logs``: ``page``, ``per_page`` (1-50, default 20), ``order_by``,
  ``order_by_direction``, ``search``, the flat filters (``start_date``, ``end_date``,
  ``min_``/``max_`` ``cost``/``tokens_in``/``tokens_out``/``total_tokens``/``duration``,
  ``feedback``, ``success``, ``cached``, ``model``, ``provider``, …), ``meta_info`` and a
  JSON-encoded ``filters`` list; ``result_info`` ``{page, per_page, count, total_count}``.
* ``PATCH …/logs/{id}`` ``{"feedback": -1..1, "score": 0..100, "metadata": {...}}`` (each
  nullable) → the updated log; later GETs show it.
* Bad query or body → 400 ``{"errors": [<Zod issues>], "success": false, "result": {}}``
  (chanfana's format); unknown gateway or id, or a log not written yet → 404 ``{"success":
  false, "errors": [{"code": 7002, "message": "Not Found"}], "result": {}}``.

Cost: OpenAI's list prices per token (nano $0.20 in / $0.02 cached / $1.25 out per 1M; table in
``server/_pricing.py`` with its sources), 0 on a cache hit, or ``cf-aig-custom-cost``
(``{"per_token_in", "per_token_out"}`` or ``{"total_cost"}``; a bad value → 400
``AiGatewayError`` 2999). "Not written yet": ``Emulator(log_delay=S, log_delay_gets=N)`` or
``emu.delay_logs(seconds=S, gets=N)`` hide new logs (404, left out of lists) for S seconds of
the emulator clock (``emu.advance_time``) and/or their next N requests. ``emu.gateway_logs``
lists every entry. Details and what is unconfirmed: ``server/_log_store.py``,
``server/_log_query.py``, ``server/_log_api.py``.

Dynamic routes
--------------
``Emulator(dynamic_routes=["support"])`` (every gateway) or ``{"gw": ["support"]}`` (one
gateway): ``"model": "dynamic/support"`` on the REST and compat routes is answered by the
scripted model as ``openai/gpt-5.4-nano`` (schema and GPT-5 rules apply); its log has ``model``
``gpt-5.4-nano`` and ``path`` ``dynamic/support``. An unknown route, or one of another gateway,
is an unknown model (REST 404/7003, compat 400/2008).

Not emulated: ``n > 1`` (one choice is returned), reasoning text (only its token count appears,
in ``usage``), the ``/ai/run`` forms; on the Responses routes hosted tools (accepted, never
called), prompt caching (``cached_tokens`` is always 0) and ``GET``/``DELETE`` of stored
responses.

Model: ``_brain.generate`` (deterministic; after tool calls it answers with what the tools
returned, ``model._tool_results``); queued ``Reply`` objects are consumed first in first out by
the requests that reach the model (rejected, faulted-before-model and cache-hit requests do not
consume one, nor does a request still in flight from before ``emu.reset()``).

Faults
------
Per request: header ``x-emulator-fault: <kind>[;key=value...]`` (e.g.
``status;status=429;code=2003;retry_after=2``); per emulator:
``emu.plan_faults(Fault(...), next_n=N | every=K | probability=P, seed=S)``. The header wins over a
plan; faults act after auth and the ``cf-aig-*`` header checks, before model/schema checks.

``status`` (status, code, message, shape, retry_after)
    An error answer. Known pairs get the documented body: 400/2001, 401/2009, 402/2021,
    429/2003, 429/2041, 429/2045 (``AiGatewayError``); 429/3036, 429/3040, 408/3007, 408/3008
    (v4 envelope); 500, 503 (OpenAI ``server_error`` body); 502, 504 (Cloudflare HTML page).
    ``shape`` overrides the body: ``gateway``, ``v4``, ``workers_ai``, ``openai``, ``html``,
    ``text``. ``retry_after`` adds a ``Retry-After`` header (absent by default, as observed).
``envelope`` (code, message)
    200 with a v4 ``success: false`` envelope (default 3040 "Capacity temporarily exceeded").
``reset`` (hard)
    The TCP connection is closed before any response byte: FIN by default (httpx
    ``RemoteProtocolError``), RST with ``hard=true`` (httpx ``ReadError``).
``stall`` (seconds)
    Waits before the first byte, then answers normally.
``cut`` (after, hard)
    Stream: ends the body cleanly after ``after`` events, with no ``[DONE]``; ``hard=true``
    drops the connection there instead. Non-stream: sends half of the JSON body under a full
    ``content-length`` and drops the connection.
``error_event`` (after, message, code)
    Stream: after ``after`` events, sends ``data: {"error": {...}}`` and ends (no ``[DONE]``).
    Non-stream: no effect.
``slow`` (seconds)
    Stream: waits ``seconds`` between events. Non-stream: waits between two halves of the body.
``malformed`` (after)
    Stream: inserts an event whose JSON is cut off before event ``after``, then goes on.
    Non-stream: 200 with the first half of the JSON body.
``guardrail`` (target: ``prompt`` default, ``response``, ``unavailable``)
    424 ``AiGatewayError`` 2016 "Prompt blocked due to security configurations" before the
    model; ``response``: the model runs (reply consumed, tokens logged), then 424 / 2017
    "Response blocked due to security configurations"; ``unavailable``: 503 / 7013 (message
    chosen by the emulator). Streams get the same JSON error before any event.
``dlp`` (action: ``flag`` default or ``block``; target: ``request`` default or ``response``)
    Adds ``cf-aig-dlp`` (``{"findings": [{"profile": {...}, "policy_ids": [...], "check":
    "REQUEST"|"RESPONSE"}], "action": "FLAG"|"BLOCK"}``) to the answer; ``block`` answers 424
    / 2029 "Request content blocked due to DLP policy violations" (before the model) or 2030
    "Response content blocked …" (after it).

``status`` also knows 424/2016, 424/2017, 422/2017, 503/7013, 424/2029, 424/2030. Without a
fault, a marker in any message's text triggers the same: ``[[guardrail:prompt]]``,
``[[guardrail:response]]``, ``[[guardrail:unavailable]]``, ``[[dlp:flag]]``,
``[[dlp:flag:response]]``, ``[[dlp:block]]``, ``[[dlp:block:response]]`` (``server/_guardrails``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Generation, Reply
    from .server import Emulator, Fault, RecordedRequest

__all__ = ["Emulator", "Fault", "Generation", "RecordedRequest", "Reply"]

_HOMES = {
    "Emulator": ".server._server",
    "Fault": ".server._faults",
    "Reply": ".model._brain",
    "Generation": ".model._brain",
    "RecordedRequest": ".server._app",
}


def __getattr__(name: str) -> Any:
    # Lazy: the scripted model (``.model``) is usable without starlette; only the server needs it.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value
