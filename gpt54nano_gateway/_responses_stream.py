"""Sans-I/O Responses stream handling, shared by both clients: SSE bytes in, typed events out.

Like ``_stream.StreamCore`` for Chat Completions (same SSE decoder, deadline check per network
read, token scrubbing, error typing), but the events are ``event: <type>`` + JSON with a
``type``, there is no ``[DONE]``: the stream is complete at ``response.completed`` /
``response.incomplete``. ``response.failed`` and ``error`` events raise at once (typed like the
status their code stands for); an event that is not JSON is `ResponseParseError`; a Cloudflare
error body inside the stream (``{"error": ...}`` without a ``type``) is typed as on the chat
stream. All of them carry what arrived so far as ``partial``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from pydantic import SecretStr, ValidationError

from ._stream import deadline_error, event_error, scrubbed_event
from ._validators import validate_json_on_first_use
from .error_mapping import error_payload
from .errors import GatewayError, ResponseParseError, StreamTruncatedError
from .meta import GatewayMeta
from .responses_accumulator import ResponsesAccumulator
from .responses_wire import Response, ResponseStreamEvent
from .sse import SSEDecoder

__all__ = ["ResponsesStreamCore"]

_NO_EVENTS: list[ResponseStreamEvent] = []


# The validator itself, bound on the first event (_validators says why).
_validate_event: Callable[[str], ResponseStreamEvent] = validate_json_on_first_use(
    ResponseStreamEvent, globals(), "_validate_event"
)


class ResponsesStreamCore:
    """Sans-I/O Responses stream state: bytes in (`feed`), events out; `finish` at EOF."""

    __slots__ = ("_deadline", "_decoder", "_token", "accumulator", "meta")

    def __init__(self, meta: GatewayMeta, deadline: float | None, token: SecretStr) -> None:
        self.meta = meta
        self.accumulator = ResponsesAccumulator()
        self._decoder = SSEDecoder()
        self._deadline = deadline
        self._token = token  # kept masked; read only to scrub an error body

    @property
    def done(self) -> bool:
        """A terminal event arrived (the rest of the body is only drained)."""
        return self.accumulator.done

    def past_deadline(self, slack: float = 0.0) -> bool:
        """Whether the overall deadline has passed (or is within ``slack`` seconds)."""
        return self._deadline is not None and time.monotonic() + slack > self._deadline

    def feed(self, data: bytes) -> list[ResponseStreamEvent]:
        """The events completed by ``data``. Raises on failure events and on the deadline."""
        events = self._decoder.feed(data)
        accumulator = self.accumulator
        if accumulator.done:
            return _NO_EVENTS
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise deadline_error(self.meta, self.snapshot())
        out: list[ResponseStreamEvent] = []
        secret = self._token.get_secret_value() or "\x00"  # an empty token matches nothing
        for sse in events:
            text = sse.data
            if not text:
                continue  # a keep-alive
            if secret in text:  # a server echoing the token: never into an event or an error
                text = text.replace(secret, "<redacted>")
            try:
                event: ResponseStreamEvent = _validate_event(text)
            except ValidationError as exc:
                raise self._unparsable(text) from exc
            accumulator.add(event)
            if accumulator.failure is not None:
                raise self._failure(accumulator.failure)
            out.append(event)
            if accumulator.done:
                break
        return out

    def _unparsable(self, text: str) -> GatewayError:
        body = scrubbed_event(self._token, text)
        if error_payload(body) is not None:  # Cloudflare's own error shapes, no "type"
            return event_error(body, self.meta, self.snapshot())
        return ResponseParseError(
            "a stream event is not a JSON Responses event",
            status_code=self.meta.status_code,
            request_id=self.meta.log_id or self.meta.ray_id,
            attempts=self.meta.attempts,
            body=body,
            meta=self.meta,
            partial=self.snapshot(),
        )

    def _failure(self, error: GatewayError) -> GatewayError:
        meta = self.meta
        error.meta, error.attempts = meta, meta.attempts
        error.request_id = meta.log_id or meta.ray_id
        error.status_code = error.status_code or meta.status_code
        token = self._token.get_secret_value()
        if token and token in json.dumps(error.body):
            error.body = scrubbed_event(self._token, json.dumps(error.body))
        error.partial = self.snapshot()
        return error

    def finish(self) -> None:
        """At EOF: a stream without a terminal event is truncated."""
        self._decoder.flush()
        if not self.accumulator.done:
            raise StreamTruncatedError(
                "the Responses stream ended before response.completed / response.incomplete",
                status_code=self.meta.status_code,
                request_id=self.meta.log_id or self.meta.ray_id,
                attempts=self.meta.attempts,
                meta=self.meta,
                partial=self.snapshot(),
            )

    def snapshot(self) -> Response:
        """What arrived so far, with ``.meta``."""
        response = self.accumulator.snapshot()
        response.meta = self.meta
        return response

    def response(self) -> Response:
        """The final response (``.meta`` set), or the stream's error."""
        try:
            response = self.accumulator.final()
        except GatewayError as exc:
            raise self._failure(exc) from None
        response.meta = self.meta
        return response
