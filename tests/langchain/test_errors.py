"""ChatGPT54Nano's errors are transport errors *and* langchain_core model errors, so agent
middleware classifies them (retry a 429, never a 401; summarize on a context overflow; fall
back), against the emulator, sync and async."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import (
    ModelFallbackMiddleware,
    ModelRetryMiddleware,
    SummarizationMiddleware,
)
from langchain_core import exceptions as lc
from langchain_core.messages import AIMessage, HumanMessage

from gpt54nano_emulator import Fault
from gpt54nano_gateway import errors
from gpt54nano_gateway.model_rules import UnsupportedReasoningEffortError
from langchain_gpt54nano import ChatGPT54Nano
from langchain_gpt54nano._errors import as_langchain_error, langchain_class

RunIO = Any
# Over the emulator's 128,000-token context (one token per short word), and > the window in
# LangChain's approximate count too, so only the server's 400 says it does not fit.
HUGE = "a " * 130_000


def _llm(emulator: Any, **kwargs: Any) -> ChatGPT54Nano:
    settings = {
        "base_url": emulator.base_url,
        "account_id": emulator.account_id,
        "api_key": emulator.api_token,
        "max_retries": 0,
    }
    return ChatGPT54Nano(**(settings | kwargs))


def _chat_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


def _raised(run_io: RunIO, sync_fn: Any, async_fn: Any) -> BaseException:
    def sync() -> BaseException:
        try:
            sync_fn()
        except Exception as exc:
            return exc
        raise AssertionError("nothing was raised")

    async def async_() -> BaseException:
        try:
            await async_fn()
        except Exception as exc:
            return exc
        raise AssertionError("nothing was raised")

    result: BaseException = run_io(sync, async_)
    return result


# --- each error is both, with the transport's attributes ---------------------------------------

CASES: dict[str, tuple[Fault | None, dict[str, Any], type, type, bool]] = {
    "401": (None, {"api_key": "wrong-token"}, errors.AuthenticationError,
            lc.ModelAuthenticationError, False),
    "403": (Fault(kind="status", status=403), {}, errors.PermissionDeniedError,
            lc.ModelPermissionDeniedError, False),
    "404": (None, {"account_id": "no-such-account"}, errors.NotFoundError,
            lc.ModelNotFoundError, False),
    "429": (Fault(kind="status", status=429, code=2003), {}, errors.RateLimitError,
            lc.ModelRateLimitError, True),
    "429 quota": (Fault(kind="status", status=429, code=3036), {}, errors.QuotaExceededError,
                  lc.ModelRateLimitError, False),
    "500": (Fault(kind="status", status=500), {}, errors.InternalServerError,
            lc.ModelAPIError, True),
    "reset": (Fault(kind="reset", hard=True), {}, errors.GatewayConnectionError,
              lc.ModelConnectionError, True),
    "timeout": (Fault(kind="stall", seconds=0.5), {"timeout": 0.1},
                errors.GatewayTimeoutError, lc.ModelTimeoutError, True),
}  # fmt: skip


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("case", list(CASES))
def test_errors_are_transport_and_langchain_errors(
    case: str, stream: bool, run_io: RunIO, emulator: Any
) -> None:
    fault, settings, transport_class, model_class, retryable = CASES[case]
    if fault is not None:
        emulator.plan_faults(fault, next_n=1)
    llm = _llm(emulator, **settings)

    async def astream() -> None:
        async for _ in llm.astream("Hello"):
            pass

    if stream:
        raised = _raised(run_io, lambda: list(llm.stream("Hello")), astream)
    else:
        raised = _raised(run_io, lambda: llm.invoke("Hello"), lambda: llm.ainvoke("Hello"))
    original = raised.__cause__
    assert type(original) is transport_class  # the transport's own error, unchanged
    assert isinstance(raised, transport_class) and isinstance(raised, model_class)
    assert type(raised).__name__ == transport_class.__name__
    assert raised.is_retryable is retryable  # type: ignore[attr-defined]
    assert (str(raised), repr(raised), raised.args) == (
        str(original),
        repr(original),
        original.args,
    )
    assert vars(raised) == vars(original)  # message, status, code, body, meta, headers...
    copy = pickle.loads(pickle.dumps(raised))
    assert (type(copy), vars(copy)) == (type(raised), vars(raised))
    assert "wrong-token" not in str(raised) + repr(raised)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_context_overflow_is_a_context_overflow_error(
    stream: bool, run_io: RunIO, emulator: Any
) -> None:
    llm = _llm(emulator)

    async def astream() -> None:
        async for _ in llm.astream(HUGE):
            pass

    if stream:
        raised = _raised(run_io, lambda: list(llm.stream(HUGE)), astream)
    else:
        raised = _raised(run_io, lambda: llm.invoke(HUGE), lambda: llm.ainvoke(HUGE))
    assert isinstance(raised, errors.BadRequestError)
    assert isinstance(raised, lc.ContextOverflowError)
    assert not isinstance(raised, lc.ModelInvalidRequestError)
    assert raised.code == "context_length_exceeded"
    assert raised.status_code == 400 and raised.is_retryable is False
    assert "maximum context length is 128000 tokens" in raised.message


def test_refused_before_sending_is_an_invalid_request(run_io: RunIO, emulator: Any) -> None:
    llm = _llm(emulator, reasoning_effort="low")
    invoke = {"reasoning_effort": "minimal"}
    raised = _raised(
        run_io, lambda: llm.invoke("Hi", **invoke), lambda: llm.ainvoke("Hi", **invoke)
    )
    assert isinstance(raised, UnsupportedReasoningEffortError)
    assert isinstance(raised, lc.ModelInvalidRequestError) and raised.is_retryable is False
    assert isinstance(raised, ValueError)  # still a ConfigurationError
    assert _chat_requests(emulator) == []


def test_mapping_of_every_transport_class() -> None:
    def make(cls: type[errors.GatewayError], **kw: Any) -> errors.GatewayError:
        return cls("boom", **kw)

    def again(error: errors.GatewayError) -> errors.GatewayError:
        return make(type(error), code=error.code, status_code=error.status_code)

    cases: list[tuple[errors.GatewayError, type, bool]] = [
        (make(errors.ConfigurationError), lc.ModelInvalidRequestError, False),
        (make(errors.PoolTimeoutError), lc.ModelTimeoutError, False),
        (make(errors.BadRequestError, status_code=400), lc.ModelInvalidRequestError, False),
        (make(errors.PaymentRequiredError, status_code=402), lc.ModelPermissionDeniedError, False),
        (make(errors.RequestTimeoutError, status_code=408), lc.ModelTimeoutError, True),
        (make(errors.ConflictError, status_code=409), lc.ModelAPIError, True),
        (make(errors.PayloadTooLargeError, status_code=413), lc.ModelInvalidRequestError, False),
        (make(errors.GuardrailBlockedError, code=2016), lc.ModelInvalidRequestError, False),
        (make(errors.GuardrailUnavailableError, code=7013), lc.ModelAPIError, True),
        (make(errors.APIStatusError, status_code=418), lc.ModelAPIError, False),
        (make(errors.APIStatusError, status_code=520), lc.ModelAPIError, True),
        (make(errors.StreamError, code="context_length_exceeded"), lc.ContextOverflowError, False),
        (make(errors.StreamError), lc.ModelAPIError, True),
        (make(errors.StreamTruncatedError), lc.ModelConnectionError, True),
        (make(errors.ResponseParseError), lc.ModelAPIError, True),
    ]
    for error, model_class, retryable in cases:
        translated = as_langchain_error(error)
        assert isinstance(translated, type(error)) and isinstance(translated, model_class), error
        assert translated.is_retryable is retryable, error  # type: ignore[attr-defined]
        assert as_langchain_error(translated) is translated  # never wrapped twice
        # One class per kind: `except` clauses and `type(a) is type(b)` behave.
        assert type(as_langchain_error(again(error))) is type(translated)
        copy = pickle.loads(pickle.dumps(translated))
        assert (type(copy), vars(copy), copy.args) == (
            type(translated),
            vars(translated),
            translated.args,
        )
    bare = errors.GatewayError("boom")
    assert langchain_class(bare) is None and as_langchain_error(bare) is bare


# --- agent middleware ---------------------------------------------------------------------------


def _run_agent(run_io: RunIO, agent: Any, messages: list[Any]) -> Any:
    state = {"messages": messages}
    return run_io(lambda: agent.invoke(state), lambda: agent.ainvoke(state))


def _retrying_agent(emulator: Any) -> Any:
    retry = ModelRetryMiddleware(max_retries=2, initial_delay=0, jitter=False)
    return create_agent(model=_llm(emulator), tools=[], middleware=[retry])


def test_model_retry_middleware_retries_a_429(run_io: RunIO, emulator: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=2003), next_n=1)
    result = _run_agent(run_io, _retrying_agent(emulator), [HumanMessage("Hello")])
    answer = result["messages"][-1]
    assert isinstance(answer, AIMessage) and answer.content
    assert len(_chat_requests(emulator)) == 2  # the 429, then the answer


def test_model_retry_middleware_never_retries_a_401(run_io: RunIO, emulator: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=401, code=2009), next_n=1)
    agent = _retrying_agent(emulator)
    state = {"messages": [HumanMessage("Hello")]}
    raised = _raised(run_io, lambda: agent.invoke(state), lambda: agent.ainvoke(state))
    assert isinstance(raised, errors.AuthenticationError)
    assert isinstance(raised, lc.ModelAuthenticationError)
    assert len(_chat_requests(emulator)) == 1


def test_summarization_middleware_recovers_from_a_context_overflow(
    run_io: RunIO, emulator: Any
) -> None:
    llm = _llm(emulator)
    summarize = SummarizationMiddleware(
        model=llm, trigger=("messages", 4), keep=("messages", 1), trim_tokens_to_summarize=None
    )
    agent = create_agent(model=llm, tools=[], middleware=[summarize])
    history = [
        HumanMessage(f"Read this: {HUGE}"),
        AIMessage("Done reading."),
        HumanMessage("Keep it in mind."),
        AIMessage("Sure."),
        HumanMessage("What was it about?"),
    ]
    result = _run_agent(run_io, agent, history)
    first, second, answer = _chat_requests(emulator)
    # The summary prompt overflowed (OpenAI's 400, a ContextOverflowError), so the middleware
    # sent it again with the middle cut out; then the agent's own call went through.
    assert HUGE in first.body["messages"][0]["content"]
    assert "[... middle of conversation omitted ...]" in second.body["messages"][0]["content"]
    assert "middle of conversation omitted" not in str(answer.body)
    summary, kept, reply = result["messages"]
    assert isinstance(summary, HumanMessage) and "summary" in summary.content.lower()
    assert (type(kept), kept.content) == (HumanMessage, "What was it about?")
    assert isinstance(reply, AIMessage) and reply.content


def test_model_fallback_middleware_falls_back(run_io: RunIO, emulator: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=503), next_n=1)
    fallback = ModelFallbackMiddleware(_llm(emulator, model="openai/gpt-5.4-mini"))
    agent = create_agent(model=_llm(emulator), tools=[], middleware=[fallback])
    result = _run_agent(run_io, agent, [HumanMessage("Hello")])
    answer = result["messages"][-1]
    assert answer.response_metadata["model_name"] == "openai/gpt-5.4-mini"
    assert [r.body["model"] for r in _chat_requests(emulator)] == [
        "openai/gpt-5.4-nano",
        "openai/gpt-5.4-mini",
    ]
