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

Errors: missing/wrong token → 401 (REST: v4 ``10000 Authentication error``; gateway host:
``AiGatewayError 2009 Unauthorized``); unknown account → REST 404 v4 ``7003 Could not route to
…``, gateway host 401/2009; unknown gateway → 400 ``AiGatewayError 2001``; unknown model → compat
400/2008, REST 404/7003 ``Model not found: <slug>``, provider route OpenAI 404
``model_not_found``; schema violation → 400 ``AiGatewayError 7003 "Model execution failed (User
Input Error): Invalid value at <json pointer>: <reason>"``; GPT-5 temperature ≠ 1 (unless
``reasoning_effort == "none"``) → OpenAI's 400 ``unsupported_value`` body; out-of-range
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
cost) are checked where a range is documented and recorded, but not acted on: the emulator does
not retry upstream or time out on the client's behalf. ``cf-aig-metadata`` keeps its first five
entries (``RecordedRequest.gateway_metadata``; ``None`` when a value is not a string, number or
boolean, as observed live).

Not emulated: ``n > 1`` (one choice is returned), reasoning text (only its token count appears,
in ``usage``), the ``/ai/run`` forms; on the Responses routes hosted tools (accepted, never
called), prompt caching (``cached_tokens`` is always 0) and ``GET``/``DELETE`` of stored
responses.

Model: ``_brain.generate`` (deterministic); queued ``Reply`` objects are consumed first in first
out by the requests that reach the model (rejected, faulted-before-model and cache-hit requests
do not consume one).

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
