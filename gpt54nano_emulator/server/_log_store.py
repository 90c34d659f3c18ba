"""The gateway log: one entry per chat request a gateway handled, as Cloudflare's log API shows it.

An entry is written by ``_log_recorder`` when a chat-route response ends (before its last byte
is sent, so a client that read the whole answer can fetch its log at once), from the request and
response on the wire plus what the chat handler noted in the request's :class:`LogContext`
(gateway, tokens, cache hit, custom cost, dynamic route). Requests refused before a gateway is
known (bad token, unknown account or gateway) and requests sent with ``cf-aig-collect-log:
false`` write nothing; ``cf-aig-collect-log-payload: false`` keeps the entry but not the bodies.

Fields follow Cloudflare's API reference for "Get Gateway Log Detail" / "List Gateway Logs"
(cloudflare-python ``types/ai_gateway/log_get_response.py``, ``log_list_response.py``; the API's
source schema). The emulator fills them so:

* ``id``: the response's ``cf-aig-log-id``; ``created_at``: request arrival, ISO 8601 UTC with
  milliseconds; ``duration``: milliseconds until the last byte; ``step``: 0;
* ``provider`` ``"openai"``; ``model``: the model that answered, without ``openai/`` (a dynamic
  route logs the model it resolved to); ``path``: ``"chat/completions"``, or
  ``"dynamic/<route>"`` for a dynamic route (an emulator choice: the reference has no route
  field);
* ``tokens_in`` / ``tokens_out``: the call's ``usage`` (``null`` when no model ran and the body
  has none); ``cost``: ``_pricing`` (0 on a cache hit, as observed live [S8]; 0 without tokens);
  ``custom_cost``: whether ``cf-aig-custom-cost`` was sent; ``cached``: cache hit;
* ``metadata``: the kept ``cf-aig-metadata`` entries as a JSON string (the reference types it
  as a string), or ``null``; ``model_type`` ``"chat"`` and ``request_type`` ``"chat"``
  (values unconfirmed);
* ``request_head`` / ``response_head``: the first :data:`HEAD_LIMIT` characters of the bodies,
  ``*_head_complete`` whether that is all of it; ``*_size`` in bytes;
* ``status_code``; ``success``: status below 400 and no ``"success": false`` body;
* ``feedback`` and ``score``: not in the reference schema (the list filters and ordering do
  name ``feedback``); shown so that ``PATCH`` is observable, ``null`` until set.

Not written yet: ``LogStore.delay`` (``Emulator(log_delay=…, log_delay_gets=…)`` or
``emu.delay_logs(...)``) hides new entries for N seconds of the emulator clock
(``emu.advance_time``) and/or for their next N requests by id; hidden entries answer 404 like an
unknown id and are left out of lists (Cloudflare writes logs asynchronously, cloudflare/ai#255).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._pricing import CustomCost

LOG_CONTEXT = "gpt54nano_emulator.log"
HEAD_LIMIT = 4096
PROVIDER = "openai"


@dataclass
class LogContext:
    """What the chat handler knows about a request that the wire does not show."""

    gateway: str
    collect: bool = True
    collect_payload: bool = True
    custom_cost: CustomCost | None = None
    metadata: dict[str, Any] | None = None
    event_id: str | None = None
    route: str | None = None
    model: str | None = None  # the model that answered (after a dynamic route)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached: bool = False


def log_context(scope: MutableMapping[str, Any]) -> LogContext | None:
    context = scope.get(LOG_CONTEXT)
    return context if isinstance(context, LogContext) else None


@dataclass
class LogEntry:
    """One stored log (mutable: ``PATCH`` sets feedback, score and metadata)."""

    id: str
    gateway: str
    created_at: datetime
    duration_ms: int
    status_code: int
    success: bool
    cached: bool
    model: str
    path: str
    tokens_in: int | None
    tokens_out: int | None
    cost: float
    custom_cost: bool
    metadata: dict[str, Any] | None
    event_id: str | None
    request_body: str | None
    response_body: str | None
    request_content_type: str
    response_content_type: str
    request_size: int
    response_size: int
    dlp_action: str | None = None
    feedback: float | None = None
    score: float | None = None
    sequence: int = 0
    visible_at: float = 0.0
    gets_left: int = 0

    @property
    def total_tokens(self) -> int | None:
        if self.tokens_in is None and self.tokens_out is None:
            return None
        return (self.tokens_in or 0) + (self.tokens_out or 0)


def iso_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _head(body: str | None) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    return body[:HEAD_LIMIT], len(body) <= HEAD_LIMIT


def list_view(entry: LogEntry) -> dict[str, Any]:
    """An item of ``GET …/logs`` (the reference's LogListResponse keys + feedback, score)."""
    return {
        "id": entry.id,
        "cached": entry.cached,
        "created_at": iso_time(entry.created_at),
        "duration": entry.duration_ms,
        "model": entry.model,
        "path": entry.path,
        "provider": PROVIDER,
        "success": entry.success,
        "tokens_in": entry.tokens_in,
        "tokens_out": entry.tokens_out,
        "cost": entry.cost,
        "custom_cost": entry.custom_cost,
        "metadata": (
            json.dumps(entry.metadata, separators=(",", ":"))
            if entry.metadata is not None
            else None
        ),
        "model_type": "chat",
        "request_content_type": entry.request_content_type,
        "request_type": "chat",
        "response_content_type": entry.response_content_type,
        "status_code": entry.status_code,
        "step": 0,
        "feedback": entry.feedback,
        "score": entry.score,
    }


def detail_view(entry: LogEntry) -> dict[str, Any]:
    """``result`` of ``GET …/logs/{id}`` (the reference's LogGetResponse keys + feedback,
    score)."""
    request_head, request_complete = _head(entry.request_body)
    response_head, response_complete = _head(entry.response_body)
    return {
        **list_view(entry),
        "request_head": request_head,
        "request_head_complete": request_complete,
        "request_size": entry.request_size,
        "response_head": response_head,
        "response_head_complete": response_complete,
        "response_size": entry.response_size,
    }


@dataclass
class Delay:
    seconds: float = 0.0
    gets: int = 0

    def __post_init__(self) -> None:
        if self.seconds < 0 or self.gets < 0:
            raise ValueError("log delay seconds and gets must be >= 0")


@dataclass
class LogStore:
    """Thread-safe: the server thread writes and reads, the test thread configures and reads."""

    default_delay: Delay = field(default_factory=Delay)
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, LogEntry] = field(default_factory=dict)
    _delay: Delay | None = None
    _offset: float = 0.0
    _sequence: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return self.clock() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def delay(self, seconds: float = 0.0, gets: int = 0) -> None:
        """Entries written from now on stay hidden for ``seconds`` and/or ``gets`` requests."""
        delay = Delay(seconds, gets)
        with self._lock:
            self._delay = delay

    def add(self, entry: LogEntry) -> None:
        with self._lock:
            delay = self._delay or self.default_delay
            self._sequence += 1
            entry.sequence = self._sequence
            entry.visible_at = self.clock() + self._offset + delay.seconds
            entry.gets_left = delay.gets
            self._entries[entry.id] = entry

    def _visible(self, entry: LogEntry) -> bool:
        return entry.gets_left <= 0 and self.clock() + self._offset >= entry.visible_at

    def lookup(self, gateway: str, log_id: str) -> LogEntry | None:
        """The entry if it is written; a request for a hidden entry counts against its delay."""
        with self._lock:
            entry = self._entries.get(log_id)
            if entry is None or entry.gateway != gateway:
                return None
            if entry.gets_left > 0:
                entry.gets_left -= 1
                return None
            return entry if self._visible(entry) else None

    def listed(self, gateway: str) -> list[LogEntry]:
        with self._lock:
            return [e for e in self._entries.values() if e.gateway == gateway and self._visible(e)]

    def patch(self, entry: LogEntry, changes: dict[str, Any]) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(entry, name, value)

    def all(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._delay = None
            self._offset = 0.0
