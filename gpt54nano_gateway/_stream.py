"""Sans-I/O stream handling, shared by both clients: bytes of an SSE body in, chunks out.

`StreamCore` decodes the events (``sse.SSEDecoder``), validates each one straight from its JSON
into a ``ChatCompletionChunk``, feeds the ``StreamAccumulator``, stops at ``data: [DONE]``, turns an
error event (``{"error": ...}``, ``{"errors": [...]}``, ``event: error``) into a typed error that
carries what arrived so far, checks the overall deadline once per network read, and at EOF decides
whether the stream was complete: without ``[DONE]`` it is complete only if a finish_reason arrived
(Cloudflare's ``[DONE]`` is not verified, docs/reference/cloudflare-wire.md §U3).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr, ValidationError

from ._json import loads
from ._validators import validate_json_on_first_use
from .accumulator import StreamAccumulator
from .error_mapping import error_payload, status_for_code, stream_error_class
from .errors import (
    GatewayError,
    GatewayTimeoutError,
    ResponseParseError,
    StreamTruncatedError,
)
from .meta import GatewayMeta
from .sse import DONE, SSEDecoder
from .wire import ChatCompletion, ChatCompletionChunk

__all__ = ["StreamCore", "deadline_error", "event_error", "scrubbed_event"]

_NO_CHUNKS: list[ChatCompletionChunk] = []
_ERROR_KEYS = frozenset({"error", "errors", "success"})


# The validator itself, bound on the first chunk (_validators says why).
_validate_chunk: Callable[[str], ChatCompletionChunk] = validate_json_on_first_use(
    ChatCompletionChunk, globals(), "_validate_chunk"
)


def scrubbed_event(token: SecretStr, text: str) -> Any:
    """An event's data as an error body: the token scrubbed, parsed JSON when it is JSON."""
    secret = token.get_secret_value()
    if secret and secret in text:
        text = text.replace(secret, "<redacted>")
    try:
        return loads(text)
    except ValueError:
        return text[:8192]


def deadline_error(meta: GatewayMeta, partial: Any) -> GatewayTimeoutError:
    """The error for a stream still going at the overall deadline (checked per network read)."""
    return GatewayTimeoutError(
        "overall deadline exceeded mid-stream",
        attempts=meta.attempts,
        meta=meta,
        partial=partial,
    )


def event_error(body: Any, meta: GatewayMeta, partial: Any) -> GatewayError:
    """The typed error for an error event (``{"error": ...}`` and the other error shapes)."""
    found = error_payload(body)
    code, message = found if found is not None else (None, str(body)[:500] or "stream error")
    status = body.get("httpCode") if isinstance(body, dict) else None
    if not isinstance(status, int) or isinstance(status, bool):
        status = status_for_code(code)
    # Never retried (events may have been delivered), but typed like the status it stands for.
    return stream_error_class(status, code)(
        f"error event in the stream: {message}",
        status_code=status if status is not None else meta.status_code,
        code=code,
        request_id=meta.log_id or meta.ray_id,
        attempts=meta.attempts,
        body=body,
        meta=meta,
        partial=partial,
    )


def _is_error(extra: dict[str, Any]) -> bool:
    return bool(extra.get("error") or extra.get("errors") or extra.get("success") is False)


class StreamCore:
    """Sans-I/O stream state: bytes in (`feed`), chunks out; `finish` at EOF."""

    __slots__ = ("_deadline", "_decoder", "_token", "accumulator", "done", "meta")

    def __init__(self, meta: GatewayMeta, deadline: float | None, token: SecretStr) -> None:
        self.meta = meta
        self.accumulator = StreamAccumulator()
        self.done = False  # data: [DONE] arrived
        self._decoder = SSEDecoder()
        self._deadline = deadline
        self._token = token  # kept masked; read only to scrub an error body

    def past_deadline(self, slack: float = 0.0) -> bool:
        """Whether the overall deadline has passed (or is within ``slack`` seconds)."""
        return self._deadline is not None and time.monotonic() + slack > self._deadline

    def feed(self, data: bytes) -> list[ChatCompletionChunk]:
        """The chunks completed by ``data``. Raises on error events and on the deadline."""
        decoder = self._decoder
        texts = decoder.feed_data_only(data)  # the usual read: whole `data: …` events only
        error_data: str | None = None
        if texts is None:  # anything else: the spec decoder, up to the first error event
            texts = []
            for event in decoder.feed(data):
                if event.event == "error" and event.data != DONE:
                    error_data = event.data
                    break
                texts.append(event.data)
        if self.done:
            return _NO_CHUNKS  # after [DONE] the rest of the body is only drained
        # Checked per network read, events or not: `: ping` comments or one data line that
        # never ends must not keep a stream alive past the overall deadline.
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise deadline_error(self.meta, self.snapshot())
        chunks = self._chunks(texts) if texts else _NO_CHUNKS
        if error_data is not None and not self.done:
            raise self._error_event(error_data)
        return chunks

    def _chunks(self, texts: list[str]) -> list[ChatCompletionChunk]:
        """Validate and fold each event's data, in order, up to ``[DONE]``."""
        chunks: list[ChatCompletionChunk] = []
        accumulator = self.accumulator
        for data_text in texts:
            if data_text == DONE:
                self.done = True
                break
            if not data_text:
                continue  # an empty data line is a keep-alive, not a chunk
            try:
                chunk: ChatCompletionChunk = _validate_chunk(data_text)
            except ValidationError as exc:
                raise ResponseParseError(
                    "a stream event is not a JSON chat.completion.chunk",
                    status_code=self.meta.status_code,
                    request_id=self.meta.log_id or self.meta.ray_id,
                    attempts=self.meta.attempts,
                    body=self._scrubbed(data_text),
                    meta=self.meta,
                    partial=self.snapshot(),
                ) from exc
            extra = chunk.__pydantic_extra__  # {"obfuscation": ...} on nearly every chunk
            if extra and not _ERROR_KEYS.isdisjoint(extra) and _is_error(extra):
                raise self._error_event(data_text)
            accumulator.feed(chunk)
            chunks.append(chunk)
        return chunks

    def finish(self) -> None:
        """At EOF: a stream without ``[DONE]`` is complete only if a finish_reason arrived."""
        self._decoder.flush()
        if not self.done and not self.accumulator.finished:
            raise StreamTruncatedError(
                "the stream ended without [DONE] and without a finish_reason",
                status_code=self.meta.status_code,
                request_id=self.meta.log_id or self.meta.ray_id,
                attempts=self.meta.attempts,
                meta=self.meta,
                partial=self.snapshot(),
            )

    def snapshot(self) -> ChatCompletion:
        """What arrived so far, with ``.meta``."""
        completion = self.accumulator.snapshot()
        meta = self.meta
        if completion.gatewayMetadata is not None and completion.gatewayMetadata.keySource:
            meta = meta.model_copy(update={"key_source": completion.gatewayMetadata.keySource})
        completion.meta = meta
        return completion

    def _scrubbed(self, text: str) -> Any:
        return scrubbed_event(self._token, text)

    def _error_event(self, data_text: str) -> GatewayError:
        return event_error(self._scrubbed(data_text), self.meta, self.snapshot())
