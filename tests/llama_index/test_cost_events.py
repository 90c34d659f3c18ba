"""GatewayCostEventHandler: the gateway's cost and tokens per LLM call through LlamaIndex's
instrumentation, from the emulator's log API: chat, complete, streaming, async, the cache and
logs that cannot be read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent

from gpt54nano_gateway import (
    AuthenticationError,
    ConfigurationError,
    GatewayConfig,
    LogNotFoundError,
)
from gpt54nano_gateway.cost_ledger import CostTotals
from llama_index_gpt54nano import GatewayCostEventHandler, GPT54Nano

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply

USER = [ChatMessage(role="user", content="Capital of France?")]


@pytest.fixture
def register() -> Iterator[Any]:
    """``register(handler)``: adds it to the root dispatcher, removed after the test."""
    root = get_dispatcher()
    added: list[Any] = []

    def add(handler: GatewayCostEventHandler) -> GatewayCostEventHandler:
        root.add_event_handler(handler)
        added.append(handler)
        return handler

    yield add
    root.event_handlers = [h for h in root.event_handlers if h not in added]


def expected_totals(emulator: Any) -> CostTotals:
    logs = emulator.gateway_logs
    return CostTotals(
        calls=len(logs),
        cost=pytest.approx(sum(log["cost"] for log in logs)),  # type: ignore[arg-type]
        tokens_in=sum(log["tokens_in"] for log in logs),
        tokens_out=sum(log["tokens_out"] for log in logs),
        cached_calls=sum(1 for log in logs if log["cached"]),
        duration_ms=sum(log["duration"] for log in logs),
    )


def calls(llm: GPT54Nano, handler: GatewayCostEventHandler, run_io: Any) -> None:
    """chat, complete, stream_chat and stream_complete, sync or async (flushed after)."""

    def sync() -> None:
        llm.chat(USER)
        llm.complete("Say hi")
        list(llm.stream_chat(USER))
        list(llm.stream_complete("Say hi"))

    async def run_async() -> None:
        await llm.achat(USER)
        await llm.acomplete("Say hi")
        async for _ in await llm.astream_chat(USER):
            pass
        async for _ in await llm.astream_complete("Say hi"):
            pass
        await handler.aflush()

    run_io(sync, run_async)


@pytest.mark.parametrize("async_fetch", [False, True], ids=["blocking", "async_fetch"])
def test_every_kind_of_call_is_recorded(
    llm: GPT54Nano, emulator: Any, run_io: Any, register: Any, async_fetch: bool
) -> None:
    handler = register(GatewayCostEventHandler(llm, async_fetch=async_fetch))
    calls(llm, handler, run_io)
    assert len(emulator.gateway_logs) == 4
    assert handler.totals == expected_totals(emulator)
    assert len(handler.runs) == 4
    # Async fetches finish in any order.
    assert sorted(log.id for log in handler.logs) == sorted(e["id"] for e in emulator.gateway_logs)
    assert (handler.failures, handler.pending) == ([], 0)


def test_the_default_counts_at_once_even_on_a_running_loop(
    llm: GPT54Nano, emulator: Any, register: Any
) -> None:
    """As in a notebook kernel: a sync-looking read right after the call, on a running loop."""
    blocking = register(GatewayCostEventHandler(llm))
    deferred = register(GatewayCostEventHandler(llm, async_fetch=True))

    async def one() -> tuple[int, int, int]:
        await llm.achat(USER)
        seen = (blocking.totals.calls, deferred.totals.calls, deferred.pending)
        await deferred.aflush()
        return seen

    assert asyncio.run(one()) == (1, 0, 1)
    assert blocking.totals == deferred.totals == expected_totals(emulator)


def test_a_cached_answer_counts_as_cached(
    llm: GPT54Nano, emulator: Any, run_io: Any, register: Any
) -> None:
    handler = register(GatewayCostEventHandler(llm))
    options = {"cache_ttl": 60}

    async def twice() -> None:
        for _ in range(2):
            await llm.achat(USER, gateway_options=options)
        await handler.aflush()

    run_io(lambda: [llm.chat(USER, gateway_options=options) for _ in range(2)], twice)
    assert [log["cached"] for log in emulator.gateway_logs] == [False, True]
    assert handler.totals == expected_totals(emulator)
    assert handler.totals.cached_calls == 1


def test_an_unreadable_log_is_recorded(
    llm: GPT54Nano, emulator: Any, run_io: Any, register: Any
) -> None:
    handler = register(GatewayCostEventHandler(llm, not_found_wait=0.3))
    emulator.delay_logs(gets=100)
    emulator.queue_reply(Reply(content="still answered"))

    async def one() -> ChatResponse:
        response = await llm.achat(USER)
        await handler.aflush()
        return response

    response = run_io(lambda: llm.chat(USER), one)
    assert response.message.content == "still answered"
    [failure] = handler.failures
    assert failure.log_id == emulator.gateway_logs[-1]["id"]
    assert isinstance(failure.error, LogNotFoundError)
    assert handler.totals == CostTotals(failures=1)


def test_a_permission_error_is_recorded_with_its_hint(
    llm: GPT54Nano, emulator: Any, run_io: Any, register: Any
) -> None:
    other = GatewayConfig(
        account_id=emulator.account_id, api_token="not-the-token", base_url=emulator.base_url
    )
    handler = register(GatewayCostEventHandler(other))

    async def one() -> None:
        await llm.achat(USER)
        await handler.aflush()

    run_io(lambda: llm.chat(USER), one)
    [failure] = handler.failures
    assert isinstance(failure.error, AuthenticationError)
    assert "AI Gateway Read" in str(failure.error)
    assert "not-the-token" not in repr(handler) + str(failure.error)


def test_answers_without_a_log_id_and_other_models(emulator: Any, run_io: Any) -> None:
    config = GatewayConfig(
        account_id=emulator.account_id, api_token=emulator.api_token, base_url=emulator.base_url
    )
    handler = GatewayCostEventHandler(config)
    ours = ChatResponse(
        message=ChatMessage(role="assistant", content="x"),
        additional_kwargs={"gateway": {"step": "0"}},
    )
    other = ChatResponse(message=ChatMessage(role="assistant", content="y"))
    for response in (ours, other):
        event = LLMChatEndEvent(messages=USER, response=response, span_id="span-1")
        run_io(lambda e=event: handler.handle(e), lambda e=event: handler.ahandle(e))
    [failure] = handler.failures
    assert (failure.run_id, failure.log_id, type(failure.error)) == (
        "span-1",
        None,
        ConfigurationError,
    )
    assert handler.totals == CostTotals(failures=1)
    handler.reset()
    assert (handler.totals, handler.runs, handler.logs, handler.failures) == (
        CostTotals(),
        {},
        [],
        [],
    )


def test_a_bad_source_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="GPT54Nano or a GatewayConfig"):
        GatewayCostEventHandler(object())
