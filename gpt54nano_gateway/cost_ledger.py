"""Cost and tokens per run, from gateway logs: the accumulator behind both adapters' cost
callbacks (LangChain's ``GatewayCostCallbackHandler``, LlamaIndex's ``GatewayCostEventHandler``).

The figures are the gateway's own (`GatewayLog`: ``cost``, ``tokens_in``, ``tokens_out``,
``cached``, ``duration``), not estimates: what the dashboard shows for the same calls. A log
that could not be read is kept as a `LogFetchFailure` (the call itself succeeded; only its
figures are missing), never raised from here.

`CostTotals` is immutable and `CostTotals.add` pure; `CostLedger` holds them per run under a
lock, because callbacks of one handler may run on several threads at once (LangChain runs sync
handlers of an ``ainvoke`` in an executor; ``batch`` uses a thread pool).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field, replace

from .errors import GatewayError
from .gateway_logs import GatewayLog

__all__ = ["CostLedger", "CostTotals", "LogFetchFailure"]


@dataclass(frozen=True)
class CostTotals:
    """Sums over gateway logs. ``cost`` is in USD as the log reports it (a log without a cost
    adds 0); ``duration_ms`` sums the gateway's per-call durations; ``cached_calls`` counts the
    calls the gateway answered from its cache; ``failures`` the calls whose log was unread."""

    calls: int = 0
    cost: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cached_calls: int = 0
    duration_ms: int = 0
    failures: int = 0

    def add(self, log: GatewayLog) -> CostTotals:
        """These totals with one more log."""
        return replace(
            self,
            calls=self.calls + 1,
            cost=self.cost + (log.cost or 0.0),
            tokens_in=self.tokens_in + (log.tokens_in or 0),
            tokens_out=self.tokens_out + (log.tokens_out or 0),
            cached_calls=self.cached_calls + (1 if log.cached else 0),
            duration_ms=self.duration_ms + (log.duration or 0),
        )

    def failed(self) -> CostTotals:
        """These totals with one more call whose log could not be read."""
        return replace(self, failures=self.failures + 1)


@dataclass(frozen=True)
class LogFetchFailure:
    """A call whose figures are missing: its run, its log id (``None`` when the answer carried
    none) and why (a `GatewayError`: `LogNotFoundError`, a 403 naming the permission...)."""

    run_id: Hashable
    log_id: str | None
    error: GatewayError


@dataclass
class CostLedger:
    """Totals per run id and overall, the logs read, and the failures (thread-safe)."""

    _runs: dict[Hashable, CostTotals] = field(default_factory=dict)
    _total: CostTotals = field(default_factory=CostTotals)
    _logs: list[GatewayLog] = field(default_factory=list)
    _failures: list[LogFetchFailure] = field(default_factory=list)
    _claimed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, log_id: str) -> bool:
        """True the first time a log id is seen: one call has one log, whichever events or
        choices report it (a cached answer gets a log id of its own)."""
        with self._lock:
            if log_id in self._claimed:
                return False
            self._claimed.add(log_id)
            return True

    def record(self, run_id: Hashable, log: GatewayLog) -> None:
        with self._lock:
            self._runs[run_id] = self._runs.get(run_id, CostTotals()).add(log)
            self._total = self._total.add(log)
            self._logs.append(log)

    def record_failure(self, failure: LogFetchFailure) -> None:
        with self._lock:
            run = failure.run_id
            self._runs[run] = self._runs.get(run, CostTotals()).failed()
            self._total = self._total.failed()
            self._failures.append(failure)

    @property
    def totals(self) -> CostTotals:
        return self._total

    @property
    def runs(self) -> dict[Hashable, CostTotals]:
        """A copy: run id -> its totals, in the order the runs ended."""
        with self._lock:
            return dict(self._runs)

    @property
    def logs(self) -> list[GatewayLog]:
        with self._lock:
            return list(self._logs)

    @property
    def failures(self) -> list[LogFetchFailure]:
        with self._lock:
            return list(self._failures)

    def reset(self) -> None:
        with self._lock:
            self._runs.clear()
            self._total = CostTotals()
            self._logs.clear()
            self._failures.clear()
            self._claimed.clear()
