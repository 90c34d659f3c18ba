"""Assemble typed Responses stream events into a `Response` (pure: no I/O, no clock).

Rules, in the order OpenAI sends events (openai-python ``types/responses``):

- ``response.created`` / ``response.in_progress`` give the response's header fields (id, model,
  created_at, status); ``response.completed`` / ``response.incomplete`` give the final object,
  which wins over what was assembled (it is what a non-stream call would have returned).
- Items are keyed by ``output_index`` (``item_id`` when an event lacks it). ``output_item.added``
  opens one; text, refusal, function-call-argument and reasoning-summary deltas are kept as lists
  of pieces and joined only when read (linear however many deltas arrive); a ``.done`` event's
  full value replaces the pieces; ``output_item.done`` replaces the whole item.
- ``response.failed`` and ``error`` end the stream with a typed error (`failure`), which
  `final` raises; a stream that ends before any terminal event is `StreamTruncatedError`.
  Both carry the partial response (`snapshot`).
- Events of other types (``content_part.done``, annotations, hosted tools...) are accepted and
  ignored, so a new event type never breaks a stream.
"""

from __future__ import annotations

from typing import Any

from .error_mapping import error_class, stream_error_class
from .errors import APIStatusError, GatewayError, StreamTruncatedError
from .responses_wire import Response, ResponseStreamEvent

__all__ = ["ResponsesAccumulator", "failure_error", "failure_status"]

_TERMINAL_OK = frozenset({"response.completed", "response.incomplete"})
# OpenAI's ResponseError codes (and the error event's) by the HTTP status they stand for.
_STATUS_BY_CODE: dict[str, int] = {
    "server_error": 500,
    "rate_limit_exceeded": 429,
    "invalid_prompt": 400,
    "invalid_request_error": 400,
    "vector_store_timeout": 504,
    "insufficient_quota": 429,
    "context_length_exceeded": 400,
}


def failure_status(code: Any) -> int | None:
    """The HTTP status an OpenAI Responses error code stands for, when known."""
    return _STATUS_BY_CODE.get(code) if isinstance(code, str) else None


def failure_error(
    code: Any, message: Any, what: str, body: Any, *, stream: bool = True
) -> GatewayError:
    """The typed error for a failed response: typed like the status its ``code`` stands for
    (``server_error`` is a 500...), and a `StreamError` too when it came in a stream."""
    status = failure_status(code)
    text = message if isinstance(message, str) and message else "the response failed"
    cls: type[GatewayError]
    if stream:
        cls = stream_error_class(status, code)
    else:
        cls = error_class(status, code) if status is not None else APIStatusError
    return cls(
        f"{what}: {text}",
        status_code=status,
        code=code if isinstance(code, (str, int)) else None,
        body=body,
    )


class ResponsesAccumulator:
    """Feed it `ResponseStreamEvent`s with `add`; read `snapshot` any time, `final` at the end."""

    __slots__ = (
        "_args",
        "_by_id",
        "_done_items",
        "_final",
        "_header",
        "_items",
        "_summaries",
        "_texts",
        "done",
        "failure",
    )

    def __init__(self) -> None:
        self._header: dict[str, Any] = {}
        self._final: dict[str, Any] | None = None
        self._items: dict[int, dict[str, Any]] = {}
        self._by_id: dict[str, int] = {}
        self._done_items: set[int] = set()
        self._texts: dict[tuple[int, int, str], list[str]] = {}  # (item, part, "text"|"refusal")
        self._args: dict[int, list[str]] = {}
        self._summaries: dict[tuple[int, int], list[str]] = {}
        self.done = False  # a terminal event arrived (completed, incomplete, failed or error)
        self.failure: GatewayError | None = None

    # -- feeding ---------------------------------------------------------------------------

    def add(self, event: ResponseStreamEvent) -> None:
        kind = event.type
        if kind.endswith(".delta"):
            self._delta(event)
        elif kind == "response.output_item.added" or kind == "response.output_item.done":
            self._item(event, done=kind.endswith("done"))
        elif kind in ("response.created", "response.in_progress"):
            if event.response is not None:
                self._header = event.response
        elif kind in _TERMINAL_OK:
            self._final = event.response
            self.done = True
        elif kind == "response.failed":
            self._final = event.response
            self.done = True
            error = (event.response or {}).get("error") or {}
            self.failure = self._error(error.get("code"), error.get("message"), event)
        elif kind == "error":
            self.done = True
            self.failure = self._error(event.code, event.message, event)
        elif kind.endswith(".done"):
            self._full_value(event)

    def _index(self, event: ResponseStreamEvent) -> int:
        if event.output_index is not None:
            return event.output_index
        return self._by_id.get(event.item_id or "", len(self._items))

    def _item(self, event: ResponseStreamEvent, *, done: bool) -> None:
        if event.item is None:
            return
        index = self._index(event)
        self._items[index] = event.item
        if isinstance(event.item.get("id"), str):
            self._by_id[event.item["id"]] = index
        if done:
            self._done_items.add(index)

    def _delta(self, event: ResponseStreamEvent) -> None:
        kind, delta = event.type, event.delta or ""
        index = self._index(event)
        if kind == "response.output_text.delta" or kind == "response.refusal.delta":
            field = "text" if kind == "response.output_text.delta" else "refusal"
            key = (index, event.content_index or 0, field)
            self._texts.setdefault(key, []).append(delta)
        elif kind == "response.function_call_arguments.delta":
            self._args.setdefault(index, []).append(delta)
        elif kind == "response.reasoning_summary_text.delta":
            self._summaries.setdefault((index, event.summary_index or 0), []).append(delta)

    def _full_value(self, event: ResponseStreamEvent) -> None:
        kind = event.type
        index = self._index(event)
        if kind == "response.output_text.done" and event.text is not None:
            self._texts[(index, event.content_index or 0, "text")] = [event.text]
        elif kind == "response.refusal.done":
            refusal = event.__pydantic_extra__ and event.__pydantic_extra__.get("refusal")
            if isinstance(refusal, str):
                self._texts[(index, event.content_index or 0, "refusal")] = [refusal]
        elif kind == "response.function_call_arguments.done" and event.arguments is not None:
            self._args[index] = [event.arguments]
        elif kind == "response.reasoning_summary_text.done" and event.text is not None:
            self._summaries[(index, event.summary_index or 0)] = [event.text]

    def _error(self, code: Any, message: Any, event: ResponseStreamEvent) -> GatewayError:
        return failure_error(code, message, f"{event.type} event in the stream", event.model_dump())

    # -- reading ---------------------------------------------------------------------------

    def snapshot(self) -> Response:
        """What arrived so far: the final response once it came, else the assembled one."""
        if self._final is not None:
            return Response.model_validate(self._final)
        body = {**self._header, "output": [self._assembled(i) for i in sorted(self._items)]}
        return Response.model_validate(body)

    def _assembled(self, index: int) -> dict[str, Any]:
        item = dict(self._items[index])
        if index in self._done_items:
            return item
        kind = item.get("type")
        # A part or summary index past the ones the item has opens the next one (in index
        # order): padding up to the index would let one event of a broken stream allocate
        # without bound.
        if kind == "message":
            parts = [dict(part) for part in item.get("content") or []]
            for (at, part_index, field), pieces in sorted(self._texts.items()):
                if at != index:
                    continue
                if part_index >= len(parts):
                    part_index = len(parts)
                    parts.append({"type": "output_text" if field == "text" else "refusal"})
                parts[part_index][field] = "".join(pieces)
            item["content"] = parts
        elif kind == "function_call" and index in self._args:
            item["arguments"] = "".join(self._args[index])
        elif kind == "reasoning":
            summary = list(item.get("summary") or [])
            for (at, summary_index), pieces in sorted(self._summaries.items()):
                if at != index:
                    continue
                text = {"type": "summary_text", "text": "".join(pieces)}
                if summary_index < len(summary):
                    summary[summary_index] = text
                else:
                    summary.append(text)
            item["summary"] = summary
        return item

    def final(self) -> Response:
        """The finished response; raises the stream's failure, or `StreamTruncatedError`
        (``partial`` = `snapshot`) when no terminal event arrived."""
        if self.failure is not None:
            self.failure.partial = self.failure.partial or self.snapshot()
            raise self.failure
        if not self.done:
            raise StreamTruncatedError(
                "the Responses stream ended before response.completed / response.incomplete",
                partial=self.snapshot(),
            )
        return self.snapshot()
