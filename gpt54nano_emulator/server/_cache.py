"""The gateway's response cache, in memory.

Key: the custom ``cf-aig-cache-key`` when given, else SHA-256 of path, model and the canonical
JSON body (Cloudflare hashes provider, endpoint, model, auth, … [wire doc §5.2, S74]; path +
model + body is the part a client controls). Only 200 answers are stored. Streaming answers are
not cached by default (§5.2 "streaming responses not cached by default"); the emulator stores a
streamed answer only when the request carries a cache header (``cf-aig-cache-ttl`` or
``cf-aig-cache-key``), and replays its SSE events on a hit. Time comes from ``clock`` plus an
offset that tests move with :meth:`ResponseCache.advance` (no real sleeps).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A stored answer: a JSON body, or the SSE events of a stream (without ids re-minted)."""

    body: dict[str, Any] | None = None
    events: tuple[bytes, ...] | None = None


def cache_key(path: str, body: dict[str, Any], custom: str | None) -> str:
    if custom is not None:
        return "custom:" + custom
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256()
    for part in (path, str(body.get("model", "")), canonical):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


class ResponseCache:
    """Thread-safe TTL map (the test thread resets it while the server thread reads it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._offset = 0.0
        self._entries: dict[str, tuple[float, CachedResponse]] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock() + self._offset

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if self._now() >= expires:
                del self._entries[key]
                return None
            return value

    def put(self, key: str, value: CachedResponse, ttl: float) -> None:
        with self._lock:
            self._entries[key] = (self._now() + ttl, value)

    def advance(self, seconds: float) -> None:
        """Move the cache's clock forward (for TTL tests)."""
        with self._lock:
            self._offset += seconds

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._offset = 0.0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
