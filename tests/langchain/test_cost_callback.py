"""GatewayCostCallbackHandler / AsyncGatewayCostCallbackHandler: the gateway's cost and tokens
per run, read from the emulator's log API, through invoke/ainvoke, a chain of several calls,
streaming, the cache, and logs that cannot be read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from gpt54nano_gateway import ConfigurationError, GatewayLog, LogNotFoundError
from gpt54nano_gateway.cost_ledger import CostTotals
from langchain_gpt54nano import (
    AsyncGatewayCostCallbackHandler,
    ChatGPT54Nano,
    GatewayCostCallbackHandler,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply

HANDLERS = {
    "sync_handler": GatewayCostCallbackHandler,
    "async_handler": AsyncGatewayCostCallbackHandler,
}


@pytest.fixture(params=sorted(HANDLERS))
def handler_class(request: pytest.FixtureRequest) -> Any:
    """Both handlers, each through invoke and ainvoke (run_io): the sync handler in ainvoke
    runs in LangChain's executor, the async one in invoke on LangChain's helper loop."""
    return HANDLERS[request.param]


def expected_totals(emulator: Any, **extra: int) -> CostTotals:
    """The totals of every log the emulator wrote, from its own log store."""
    logs = emulator.gateway_logs
    return CostTotals(
        calls=len(logs),
        cost=pytest.approx(sum(log["cost"] for log in logs)),  # type: ignore[arg-type]
        tokens_in=sum(log["tokens_in"] for log in logs),
        tokens_out=sum(log["tokens_out"] for log in logs),
        cached_calls=sum(1 for log in logs if log["cached"]),
        duration_ms=sum(log["duration"] for log in logs),
        **extra,
    )


def test_one_call_records_its_log(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm)
    emulator.queue_reply(Reply(content="Paris."))
    config: Any = {"callbacks": [handler]}
    message = run_io(
        lambda: llm.invoke("Capital of France?", config=config),
        lambda: llm.ainvoke("Capital of France?", config=config),
    )
    [entry] = emulator.gateway_logs
    assert entry["id"] == message.response_metadata["gateway"]["log_id"]
    usage = message.usage_metadata
    assert (entry["tokens_in"], entry["tokens_out"]) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )
    assert entry["cost"] > 0
    assert handler.totals == expected_totals(emulator)
    [(run_id, run_totals)] = handler.runs.items()
    assert isinstance(run_id, uuid.UUID) and run_totals == handler.totals
    assert [log.id for log in handler.logs] == [entry["id"]]
    assert all(isinstance(log, GatewayLog) for log in handler.logs)
    assert handler.failures == []


def test_a_chain_of_several_calls_sums_every_run(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm)
    emulator.queue_reply(Reply(content="A haiku about rain."), Reply(content="Short."))
    write = ChatPromptTemplate.from_template("Write about {topic}") | llm | StrOutputParser()
    review = RunnableLambda(lambda text: f"Review this in one word: {text}") | llm
    chain = write | review
    config: Any = {"callbacks": [handler]}
    run_io(
        lambda: chain.invoke({"topic": "rain"}, config=config),
        lambda: chain.ainvoke({"topic": "rain"}, config=config),
    )
    assert len(emulator.gateway_logs) == 2
    assert handler.totals == expected_totals(emulator)
    assert len(handler.runs) == 2  # one per LLM run of the chain
    assert [log.id for log in handler.logs] == [e["id"] for e in emulator.gateway_logs]


def test_a_streamed_answer_is_recorded_from_its_finishing_chunk(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm)
    config: Any = {"callbacks": [handler]}

    async def astream() -> list[Any]:
        return [chunk async for chunk in llm.astream("Stream please", config=config)]

    run_io(lambda: list(llm.stream("Stream please", config=config)), astream)
    streaming = ChatGPT54Nano(config=llm.gateway_config, streaming=True)
    run_io(
        lambda: streaming.invoke("Stream again", config=config),
        lambda: streaming.ainvoke("Stream again", config=config),
    )
    logs = emulator.gateway_logs
    assert [log["response_content_type"].split(";")[0] for log in logs] == [
        "text/event-stream",
        "text/event-stream",
    ]
    assert handler.totals == expected_totals(emulator)
    assert handler.failures == []


def test_a_cached_answer_counts_as_cached_at_no_cost(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm)
    config: Any = {"callbacks": [handler]}
    options = {"cache_ttl": 60}
    for _ in range(2):
        run_io(
            lambda: llm.invoke("Same question", config=config, gateway_options=options),
            lambda: llm.ainvoke("Same question", config=config, gateway_options=options),
        )
    assert [log["cached"] for log in emulator.gateway_logs] == [False, True]
    assert emulator.gateway_logs[1]["cost"] == 0
    assert handler.totals == expected_totals(emulator)
    assert handler.totals.cached_calls == 1


def test_an_unreadable_log_is_recorded_not_raised(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm, not_found_wait=0.3)
    emulator.delay_logs(gets=100)  # every read of the new log answers 404
    emulator.queue_reply(Reply(content="still answered"))
    config: Any = {"callbacks": [handler]}
    message = run_io(
        lambda: llm.invoke("hello", config=config),
        lambda: llm.ainvoke("hello", config=config),
    )
    assert message.content == "still answered"
    [failure] = handler.failures
    assert failure.log_id == message.response_metadata["gateway"]["log_id"]
    assert isinstance(failure.error, LogNotFoundError)
    assert "after waiting" in str(failure.error)
    assert handler.totals == CostTotals(failures=1)
    assert list(handler.runs.values()) == [CostTotals(failures=1)]


def test_a_log_written_late_is_waited_for(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm, not_found_wait=3.0)
    emulator.delay_logs(gets=2)  # two 404s, then the log
    config: Any = {"callbacks": [handler]}
    run_io(lambda: llm.invoke("hello", config=config), lambda: llm.ainvoke("hello", config=config))
    assert handler.failures == []
    assert handler.totals == expected_totals(emulator)


def test_raise_errors_puts_the_failure_into_the_chain(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, io_mode: str, handler_class: Any
) -> None:
    handler = handler_class(llm, not_found_wait=0, raise_errors=True)
    emulator.delay_logs(gets=100)
    config: Any = {"callbacks": [handler]}
    if handler_class is AsyncGatewayCostCallbackHandler and io_mode == "sync":
        # LangChain runs an async handler of a sync call on a helper loop and only logs what
        # it raises (documented on the handler): the failure is recorded, the answer returned.
        assert llm.invoke("hello", config=config).content
    else:
        with pytest.raises(LogNotFoundError):
            run_io(
                lambda: llm.invoke("hello", config=config),
                lambda: llm.ainvoke("hello", config=config),
            )
    assert len(handler.failures) == 1


def test_a_permission_error_is_recorded_with_its_hint(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    # A handler holding another token: the log API answers 401, the chain still gets its answer.
    from gpt54nano_gateway import AuthenticationError, GatewayConfig

    other = GatewayConfig(
        account_id=emulator.account_id, api_token="not-the-token", base_url=emulator.base_url
    )
    handler = handler_class(other)
    config: Any = {"callbacks": [handler]}
    run_io(lambda: llm.invoke("hello", config=config), lambda: llm.ainvoke("hello", config=config))
    [failure] = handler.failures
    assert isinstance(failure.error, AuthenticationError)
    assert "AI Gateway Read" in str(failure.error)
    assert "not-the-token" not in repr(handler) + str(failure.error)


def test_answers_without_a_log_id_and_other_models(run_io: Any, emulator: Any) -> None:
    """Several choices of one call share a log (counted once); an answer of ours without a log
    id is a failure; an answer of another model is not counted at all."""
    from gpt54nano_gateway import GatewayConfig

    config = GatewayConfig(
        account_id=emulator.account_id, api_token=emulator.api_token, base_url=emulator.base_url
    )
    handler = GatewayCostCallbackHandler(config)
    no_id = AIMessage(content="x", response_metadata={"gateway": {"step": "0"}})
    other_model = AIMessage(content="y", response_metadata={"model_name": "someone-else"})
    result = LLMResult(
        generations=[[ChatGeneration(message=no_id)], [ChatGeneration(message=other_model)]]
    )
    run_id = uuid.uuid4()
    handler.on_llm_end(result, run_id=run_id)
    [failure] = handler.failures
    assert (failure.run_id, failure.log_id, type(failure.error)) == (
        run_id,
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


def test_choices_of_one_call_are_one_log(llm: ChatGPT54Nano, emulator: Any) -> None:
    # n > 1 answers carry one log id per call (the emulator answers one choice: built here).
    answer = llm.invoke("one")
    handler = GatewayCostCallbackHandler(llm)
    choices = [ChatGeneration(message=answer), ChatGeneration(message=answer)]
    handler.on_llm_end(LLMResult(generations=[choices]), run_id=uuid.uuid4())
    assert handler.totals == expected_totals(emulator)
    assert handler.totals.calls == 1


def test_a_bad_source_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="ChatGPT54Nano or a GatewayConfig"):
        GatewayCostCallbackHandler(object())
    with pytest.raises(ConfigurationError, match="ChatGPT54Nano or a GatewayConfig"):
        AsyncGatewayCostCallbackHandler(object())


def test_a_batch_on_several_threads_adds_up(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any, handler_class: Any
) -> None:
    handler = handler_class(llm)
    prompts = [f"question {i}" for i in range(4)]
    config: Any = {"callbacks": [handler], "max_concurrency": 4}
    run_io(lambda: llm.batch(prompts, config=config), lambda: llm.abatch(prompts, config=config))
    assert handler.totals == expected_totals(emulator)
    assert (handler.totals.calls, len(handler.runs)) == (4, 4)
