"""Cost and tokens per run, as the gateway logged them: `GatewayCostCallbackHandler` (sync) and
`AsyncGatewayCostCallbackHandler` (async, for ``ainvoke``/``astream`` without blocking the loop).

On each ``on_llm_end`` the handler reads the log id of every answer
(``response_metadata["gateway"]["log_id"]``, streamed answers included: the finishing chunk
carries it), fetches that log through the transport's `GatewayLogs` (with its bounded wait for
a log not yet written) and adds it to a `CostLedger`: per LLM run id and overall. Several choices
of one call share one log and are counted once. An answer of another model (no ``"gateway"``
entry) is not counted. A log that cannot be read is recorded in ``failures`` and never raised
into the user's chain, unless ``raise_errors=True``. The fetch happens inside the callback, so a
call returns up to ``not_found_wait`` later than it would without the handler.

Reading logs needs the token's "AI Gateway Read" permission.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.outputs import LLMResult

from gpt54nano_gateway.cost_ledger import CostLedger, CostTotals, LogFetchFailure
from gpt54nano_gateway.errors import ConfigurationError, GatewayError
from gpt54nano_gateway.gateway_logs import AsyncGatewayLogs, GatewayLog, GatewayLogs

from ._feedback import _config

__all__ = ["AsyncGatewayCostCallbackHandler", "GatewayCostCallbackHandler"]

_NO_LOG_ID = (
    "the answer carries no gateway log id (response_metadata['gateway']['log_id']): the "
    "gateway did not log this call"
)


def _log_ids(response: LLMResult, ledger: CostLedger) -> Iterator[str | None]:
    """The log ids of a run's answers not counted yet (``None``: an answer of ours without)."""
    for generations in response.generations:
        for generation in generations:
            metadata = getattr(getattr(generation, "message", None), "response_metadata", None)
            gateway = metadata.get("gateway") if isinstance(metadata, dict) else None
            if not isinstance(gateway, dict):
                continue  # not an answer of ChatGPT54Nano
            log_id = gateway.get("log_id")
            if not isinstance(log_id, str) or not log_id:
                yield None
            elif ledger.claim(log_id):
                yield log_id


class _CostView:
    """What both handlers expose: the ledger's figures."""

    ledger: CostLedger

    def __repr__(self) -> str:
        return f"{type(self).__name__}(totals={self.totals!r})"

    @property
    def totals(self) -> CostTotals:
        """Over every run so far: calls, cost (USD), tokens in/out, cached calls, duration."""
        return self.ledger.totals

    @property
    def runs(self) -> dict[Hashable, CostTotals]:
        """LLM run id (a ``UUID``) -> that run's totals."""
        return self.ledger.runs

    @property
    def logs(self) -> list[GatewayLog]:
        """The logs read, in the order the calls ended."""
        return self.ledger.logs

    @property
    def failures(self) -> list[LogFetchFailure]:
        """The calls whose log could not be read, and why."""
        return self.ledger.failures

    def reset(self) -> None:
        self.ledger.reset()


class GatewayCostCallbackHandler(_CostView, BaseCallbackHandler):
    """Records the gateway's cost and tokens of every ``ChatGPT54Nano`` call it sees.

    ``source`` is the ``ChatGPT54Nano`` (its resolved config) or a ``GatewayConfig``;
    ``not_found_wait`` and ``logs_base_url`` go to `GatewayLogs`. Pass it as
    ``config={"callbacks": [handler]}`` or ``callbacks=[handler]``. Usable from ``ainvoke`` too
    (LangChain runs a sync handler in an executor); `AsyncGatewayCostCallbackHandler` fetches
    without a thread.
    """

    def __init__(
        self,
        source: Any,
        *,
        not_found_wait: float = 3.0,
        logs_base_url: str | None = None,
        raise_errors: bool = False,
    ) -> None:
        self._logs = GatewayLogs(
            _config(source), not_found_wait=not_found_wait, logs_base_url=logs_base_url
        )
        self.ledger = CostLedger()
        # LangChain's own switch: with it unset, an exception from a handler is logged only.
        self.raise_error = raise_errors

    def on_llm_end(
        self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **_: Any
    ) -> None:
        for log_id in _log_ids(response, self.ledger):
            try:
                if log_id is None:
                    raise ConfigurationError(_NO_LOG_ID)
                self.ledger.record(run_id, self._logs.get(log_id))
            except GatewayError as error:
                self.ledger.record_failure(LogFetchFailure(run_id, log_id, error))
                if self.raise_error:
                    raise


class AsyncGatewayCostCallbackHandler(_CostView, AsyncCallbackHandler):
    """`GatewayCostCallbackHandler` for async code: the log is fetched with
    `AsyncGatewayLogs` on the running loop (same arguments, same figures). In a sync call
    LangChain runs it on a helper loop and only logs what it raises, so ``raise_errors`` takes
    effect in async calls only; use `GatewayCostCallbackHandler` for sync code."""

    def __init__(
        self,
        source: Any,
        *,
        not_found_wait: float = 3.0,
        logs_base_url: str | None = None,
        raise_errors: bool = False,
    ) -> None:
        self._logs = AsyncGatewayLogs(
            _config(source), not_found_wait=not_found_wait, logs_base_url=logs_base_url
        )
        self.ledger = CostLedger()
        self.raise_error = raise_errors

    async def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **_: Any,
    ) -> None:
        for log_id in _log_ids(response, self.ledger):
            try:
                if log_id is None:
                    raise ConfigurationError(_NO_LOG_ID)
                self.ledger.record(run_id, await self._logs.get(log_id))
            except GatewayError as error:
                self.ledger.record_failure(LogFetchFailure(run_id, log_id, error))
                if self.raise_error:
                    raise
