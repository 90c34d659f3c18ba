"""When to retry and how long to wait: one pure decision, shared by both clients.

`RetryPolicy.delay(attempt, error)` answers "retry after the attempt that just failed?" with a
number of seconds, or ``None`` for "give up". It retries:

- connection errors and timeouts before a response (`GatewayConnectionError`);
- statuses 408, 409, 429 (but never `QuotaExceededError`), 500, 502, 503, 504 and 524.

The wait is ``min(base * 2**(attempt-1), cap)`` shortened by up to 25 % of jitter, unless the
response says otherwise with ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date),
capped at ``retry_after_cap`` (60 s) so that one header cannot park a call for an hour. The
overall deadline (``GatewayConfig.total_timeout``) still wins: a wait that would cross it is not
started, and the error is raised at once.

When the gateway retries itself (``GatewayOptions.retries.max_attempts > 1``), the client retries
a relayed 429/5xx at most once more (``gateway_retries=True``), so that the attempts do not
multiply (client × gateway); connection errors, which the gateway never saw, keep the full budget.

Streams are retried only while opening: the clients never call `delay` once an event arrived.
Tests inject ``sleep`` / ``async_sleep`` that record instead of sleeping, and ``jitter=False``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .errors import (
    APIStatusError,
    ConflictError,
    GatewayConnectionError,
    GatewayError,
    InternalServerError,
    PoolTimeoutError,
    QuotaExceededError,
    RateLimitError,
    RequestTimeoutError,
)

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "retry_after_seconds"]

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 524})
_RETRYABLE_CLASSES = (RequestTimeoutError, ConflictError, RateLimitError, InternalServerError)


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait a response asks for, from ``retry-after-ms`` or ``Retry-After``; ``None`` if absent
    or unusable (negative, not a number, an unparsable date)."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            seconds = float(value) / 1000.0
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime  # rare path: keep it out of the import

        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
        return max(seconds, 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # imported here: asyncio costs ~15 ms to import, and sync users never need it

    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Client-side retry rules; ``max_retries=2`` means at most three attempts."""

    max_retries: int = 2
    base: float = 0.5
    cap: float = 8.0
    retry_after_cap: float = 60.0
    jitter: bool = True
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=_asyncio_sleep, repr=False)

    def retryable(self, error: GatewayError) -> bool:
        """Whether ``error`` is worth another attempt at all."""
        if isinstance(error, PoolTimeoutError):
            return False  # our own pool is exhausted: the network did not fail
        if isinstance(error, GatewayConnectionError):
            return True
        if isinstance(error, QuotaExceededError):
            return False
        if not isinstance(error, APIStatusError):
            return False
        if error.status_code in RETRYABLE_STATUSES:
            return True
        # A 200 whose envelope says success:false is typed by its code (3040 -> RateLimitError).
        status = error.status_code
        return status is not None and status < 400 and isinstance(error, _RETRYABLE_CLASSES)

    def delay(
        self,
        attempt: int,
        error: GatewayError,
        *,
        gateway_retries: bool = False,
        time_left: float | None = None,
    ) -> float | None:
        """Seconds to wait before retrying after failed attempt number ``attempt`` (1-based),
        or ``None`` to raise ``error``. ``time_left`` is what the overall deadline leaves
        (``None``: no deadline): a wait that would reach it is not started."""
        wait = self._wait(attempt, error, gateway_retries)
        if wait is not None and time_left is not None and wait >= time_left:
            return None  # the overall deadline bounds retries too
        return wait

    def _wait(self, attempt: int, error: GatewayError, gateway_retries: bool) -> float | None:
        if attempt > self.max_retries or not self.retryable(error):
            return None
        if gateway_retries and isinstance(error, APIStatusError) and attempt > 1:
            return None  # the gateway already retried this one; one more client try at most
        if isinstance(error, APIStatusError):
            asked = retry_after_seconds(error.headers)
            if asked is not None:
                return min(asked, self.retry_after_cap)
        wait = min(self.base * 2.0 ** (attempt - 1), self.cap)
        if self.jitter:
            wait *= 1.0 - 0.25 * random.random()  # jitter, not security
        return wait
