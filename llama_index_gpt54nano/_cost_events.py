"""Cost and tokens per LLM call, as the gateway logged them: `GatewayCostEventHandler`, an event
handler of LlamaIndex's instrumentation (the LangChain adapter's ``GatewayCostCallbackHandler``
with the same figures, `gpt54nano_gateway.cost_ledger`).

On each ``LLMChatEndEvent`` / ``LLMCompletionEndEvent`` the handler reads the answer's log id
(``additional_kwargs["gateway"]["log_id"]``, on the closing chunk of a stream), fetches that log
through the transport's gateway logs (with the bounded wait for a log not yet written) and adds
it per span id (one per LLM call) and overall. A log id is counted once, whichever events
report it. An answer of another model is not counted. A log that cannot be read is recorded in
``failures`` (LlamaIndex's dispatcher swallows whatever a handler raises, so nothing would reach
the caller anyway).

LlamaIndex dispatches events synchronously, also from ``achat``/``acomplete``, so by default the
handler fetches at once, with a blocking request (on an event loop, that one round trip holds
the loop). With ``async_fetch=True``, an event on a thread with a running event loop starts the
fetch as a task on that loop instead, and ``await handler.aflush()`` waits for those before the
figures are read. Not the default: a notebook kernel runs a loop too, and there a plain
``llm.complete(...)`` followed by reading ``totals`` would see nothing yet. Reading logs needs
the token's "AI Gateway Read" permission.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMCompletionEndEvent
from pydantic import PrivateAttr

from gpt54nano_gateway.cost_ledger import CostLedger, CostTotals, LogFetchFailure
from gpt54nano_gateway.errors import ConfigurationError, GatewayError
from gpt54nano_gateway.gateway_logs import AsyncGatewayLogs, GatewayLog, GatewayLogs

from ._feedback import _config

__all__ = ["GatewayCostEventHandler"]

_NO_LOG_ID = (
    "the answer carries no gateway log id (additional_kwargs['gateway']['log_id']): the "
    "gateway did not log this call"
)
_MISSING = object()


def _log_id(response: Any) -> str | object | None:
    """The answer's log id; ``None`` for an answer of ours without one; `_MISSING` for an
    answer of another model (no ``gateway`` entry)."""
    for holder in (response, getattr(response, "message", None)):
        extra = getattr(holder, "additional_kwargs", None)
        gateway = extra.get("gateway") if isinstance(extra, dict) else None
        if isinstance(gateway, dict):
            log_id = gateway.get("log_id")
            return log_id if isinstance(log_id, str) and log_id else None
    return _MISSING


class GatewayCostEventHandler(BaseEventHandler):
    """Records the gateway's cost and tokens of every ``GPT54Nano`` call.

    ``source`` is the ``GPT54Nano`` (its resolved config) or a ``GatewayConfig``;
    ``not_found_wait`` and ``logs_base_url`` go to the gateway logs client; ``async_fetch``: see
    the module docstring. Register it with
    ``llama_index.core.instrumentation.get_dispatcher().add_event_handler(handler)``.
    """

    _sync_logs: GatewayLogs = PrivateAttr()
    _async_logs: AsyncGatewayLogs = PrivateAttr()
    _ledger: CostLedger = PrivateAttr(default_factory=CostLedger)
    _pending: set[asyncio.Task[None]] = PrivateAttr(default_factory=set)
    _async_fetch: bool = PrivateAttr(default=False)

    def __init__(
        self,
        source: Any,
        *,
        not_found_wait: float = 3.0,
        logs_base_url: str | None = None,
        async_fetch: bool = False,
    ) -> None:
        super().__init__()
        self._async_fetch = async_fetch
        config = _config(source)
        kwargs: dict[str, Any] = {"not_found_wait": not_found_wait, "logs_base_url": logs_base_url}
        self._sync_logs = GatewayLogs(config, **kwargs)
        self._async_logs = AsyncGatewayLogs(config, **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "GatewayCostEventHandler"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(totals={self.totals!r})"

    # --- figures ---------------------------------------------------------------------------

    @property
    def totals(self) -> CostTotals:
        """Over every call so far: calls, cost (USD), tokens in/out, cached calls, duration."""
        return self._ledger.totals

    @property
    def runs(self) -> dict[Hashable, CostTotals]:
        """Span id of the LLM call -> its totals."""
        return self._ledger.runs

    @property
    def logs(self) -> list[GatewayLog]:
        return self._ledger.logs

    @property
    def failures(self) -> list[LogFetchFailure]:
        return self._ledger.failures

    @property
    def pending(self) -> int:
        """Fetches started on an event loop and not finished yet (see `aflush`)."""
        return len(self._pending)

    async def aflush(self) -> None:
        """Wait for the fetches started on the running loop (after ``achat``/``acomplete``)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    def reset(self) -> None:
        self._ledger.reset()

    # --- events ----------------------------------------------------------------------------

    def _claim(self, event: BaseEvent) -> tuple[Hashable, str | None] | None:
        if not isinstance(event, LLMChatEndEvent | LLMCompletionEndEvent):
            return None
        log_id = _log_id(event.response)
        if log_id is _MISSING or (isinstance(log_id, str) and not self._ledger.claim(log_id)):
            return None
        run_id: Hashable = event.span_id or event.id_
        return run_id, log_id if isinstance(log_id, str) else None

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        claimed = self._claim(event)
        if claimed is None:
            return
        run_id, log_id = claimed
        loop = None
        if self._async_fetch:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        if loop is None or log_id is None:
            self._fetch(run_id, log_id)
            return
        task = loop.create_task(self._afetch(run_id, log_id))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def ahandle(self, event: BaseEvent, **kwargs: Any) -> None:
        claimed = self._claim(event)
        if claimed is not None:
            await self._afetch(*claimed)

    async def _afetch(self, run_id: Hashable, log_id: str | None) -> None:
        try:
            if log_id is None:
                raise ConfigurationError(_NO_LOG_ID)
            log = await self._async_logs.get(log_id)
        except GatewayError as error:
            self._ledger.record_failure(LogFetchFailure(run_id, log_id, error))
        else:
            self._ledger.record(run_id, log)

    def _fetch(self, run_id: Hashable, log_id: str | None) -> None:
        try:
            if log_id is None:
                raise ConfigurationError(_NO_LOG_ID)
            log = self._sync_logs.get(log_id)
        except GatewayError as error:
            self._ledger.record_failure(LogFetchFailure(run_id, log_id, error))
        else:
            self._ledger.record(run_id, log)
