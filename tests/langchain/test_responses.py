"""ChatGPT54Nano on the Responses wire (``/v1/responses``), against the emulator over loopback.

Every test runs sync and async (``run_io``) and, where it matters, with streaming on and off.
The emulator's request log proves what went over the wire: ``RecordedRequest.reasoning_returned``
lists the ids of the emulator's own reasoning items found (verified) in a request's ``input``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from gpt54nano_emulator import Fault
from gpt54nano_gateway import errors
from gpt54nano_gateway.model_rules import ToolsWithReasoningError
from langchain_gpt54nano import ChatGPT54Nano, ResponsesParameterError

RunIO = Any
STREAMING = pytest.mark.parametrize("streaming", [False, True], ids=["invoke", "stream"])


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny and 21 C in {city}."


@tool
def get_population(city: str) -> str:
    """Get the population of a city."""
    return f"{city} has 2.1 million inhabitants."


def _model(emulator: Any, **params: Any) -> ChatGPT54Nano:
    return ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        **params,
    )


def _responses_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/responses")]


def _reasoning_ids(message: BaseMessage) -> list[str]:
    return [
        block["id"]
        for block in message.content
        if isinstance(block, dict) and block.get("type") == "reasoning"
    ]


def _summaries(message: BaseMessage) -> list[str]:
    return [
        part["text"]
        for block in message.content
        if isinstance(block, dict) and block.get("type") == "reasoning"
        for part in block.get("summary", [])
    ]


def _invoke(run_io: RunIO, runnable: Any, value: Any, streaming: bool = False) -> Any:
    if not streaming:
        return run_io(lambda: runnable.invoke(value), lambda: runnable.ainvoke(value))

    def sync() -> Any:
        full = None
        for chunk in runnable.stream(value):
            full = chunk if full is None else full + chunk
        return full

    async def asynchronous() -> Any:
        full = None
        async for chunk in runnable.astream(value):
            full = chunk if full is None else full + chunk
        return full

    return run_io(sync, asynchronous)


# --- the agent loop: reasoning kept across tool calls -------------------------------------------


@STREAMING
def test_agent_keeps_its_reasoning_across_tool_calls(
    run_io: RunIO, emulator: Any, streaming: bool
) -> None:
    # Tools with an effort: the Responses wire by default (Chat Completions refuses the pair).
    llm = _model(emulator, reasoning_effort="low", streaming=streaming)
    agent = create_agent(llm, tools=[get_weather, get_population])
    question = {
        "messages": [
            HumanMessage("What is the weather in Paris, and what is the population of Paris?")
        ]
    }
    state = run_io(lambda: agent.invoke(question), lambda: agent.ainvoke(question))
    answers = [m for m in state["messages"] if isinstance(m, AIMessage)]
    final = answers[-1]
    assert not final.tool_calls
    assert "sunny" in final.text and "2.1 million" in final.text
    assert {call["name"] for m in answers[:-1] for call in m.tool_calls} == {
        "get_weather",
        "get_population",
    }
    # Every turn reasoned and shows its summary.
    assert all(_summaries(m) for m in answers)
    assert _summaries(answers[0])[0].startswith("**Choosing tools**")
    assert _summaries(final)[0].startswith("**Using the tool results")
    # Every request after the first sent back all reasoning so far (sealed, store=False).
    requests = _responses_requests(emulator)
    assert len(requests) == len(answers)
    assert [list(r.reasoning_returned) for r in requests] == [
        [rid for m in answers[:turn] for rid in _reasoning_ids(m)] for turn in range(len(answers))
    ]
    first = requests[0].body
    assert {k: first[k] for k in ("reasoning", "store", "include")} == {
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }
    assert first.get("stream", False) is streaming


def test_agent_streams_reasoning_summaries_as_messages(run_io: RunIO, emulator: Any) -> None:
    llm = _model(emulator, reasoning_effort="low")
    agent = create_agent(llm, tools=[get_weather])
    question = {"messages": [HumanMessage("What is the weather in Lisbon?")]}

    async def collect() -> list[Any]:
        return [item async for item in agent.astream(question, stream_mode="messages")]

    items = run_io(lambda: list(agent.stream(question, stream_mode="messages")), collect)
    chunks = [chunk for chunk, _ in items if isinstance(chunk, AIMessageChunk)]
    summary_pieces = [
        part.get("text", "")
        for chunk in chunks
        for block in chunk.content
        if isinstance(block, dict) and block.get("type") == "reasoning"
        for part in block.get("summary", [])
    ]
    assert len([p for p in summary_pieces if p]) > 1  # streamed piece by piece
    assert "".join(summary_pieces).startswith("**Choosing a tool**")


# --- one model call ------------------------------------------------------------------------------


@STREAMING
def test_text_answer_blocks_usage_and_metadata(
    run_io: RunIO, emulator: Any, streaming: bool
) -> None:
    llm = _model(emulator, use_responses_api=True, reasoning_effort="low")
    message = _invoke(run_io, llm, "Say hello", streaming)
    reasoning, text = message.content
    assert text == {
        "type": "text",
        "text": message.text,
        "annotations": [],
        "id": text["id"],
        **({"index": 1} if streaming else {}),
    }
    assert message.text
    assert reasoning["summary"][0]["text"].startswith("**Answering directly**")
    assert reasoning["encrypted_content"].startswith("gAAAAA")
    usage = message.usage_metadata
    assert usage["output_token_details"]["reasoning"] > 0
    assert usage["input_token_details"] == {"cache_read": 0, "cache_creation": 0}
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    metadata = message.response_metadata
    assert metadata["model_name"] == "openai/gpt-5.4-nano"
    assert metadata["model_provider"] == "openai"
    assert metadata["finish_reason"] == "stop"
    assert metadata["status"] == "completed"
    assert metadata["id"].startswith("resp_")
    assert set(metadata["gateway"]) >= {"log_id"}
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]
    (request,) = _responses_requests(emulator)
    assert request.path == f"/client/v4/accounts/{emulator.account_id}/ai/v1/responses"
    assert request.body["input"] == [{"type": "message", "role": "user", "content": "Say hello"}]


@STREAMING
def test_tool_calls_and_tool_call_chunks(run_io: RunIO, emulator: Any, streaming: bool) -> None:
    llm = _model(emulator, use_responses_api=True).bind_tools([get_weather, get_population])
    message = _invoke(run_io, llm, "What is the weather in Oslo?", streaming)
    (call,) = message.tool_calls
    assert call == {
        "name": "get_weather",
        "args": {"city": "Oslo"},
        "id": call["id"],
        "type": "tool_call",
    }
    if streaming:
        (chunk,) = message.tool_call_chunks
        assert chunk["name"] == "get_weather" and chunk["id"] == call["id"]
    body = _responses_requests(emulator)[0].body
    assert [t["name"] for t in body["tools"]] == ["get_weather", "get_population"]
    assert "function" not in body["tools"][0]  # the flat Responses form


def test_stream_yields_text_deltas_one_by_one(run_io: RunIO, emulator: Any) -> None:
    llm = _model(emulator, use_responses_api=True)

    async def collect() -> list[Any]:
        return [chunk async for chunk in llm.astream('Reply with "a b c d"')]

    chunks = run_io(lambda: list(llm.stream('Reply with "a b c d"')), collect)
    assert [c.text for c in chunks if c.text] == ["a", " b", " c", " d"]
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].usage_metadata is not None


class Answer(BaseModel):
    city: str
    sunny: bool


@STREAMING
def test_structured_output_goes_through_text_format(
    run_io: RunIO, emulator: Any, streaming: bool
) -> None:
    llm = _model(emulator, use_responses_api=True, streaming=streaming)
    parsed = _invoke(
        run_io, llm.with_structured_output(Answer), "Is it sunny in Rome? Name the city."
    )
    assert isinstance(parsed, Answer)
    body = _responses_requests(emulator)[0].body
    fmt = body["text"]["format"]
    assert {k: fmt[k] for k in ("type", "name", "strict")} == {
        "type": "json_schema",
        "name": "Answer",
        "strict": True,
    }
    assert "response_format" not in body


@STREAMING
def test_output_version_v1_round_trips(run_io: RunIO, emulator: Any, streaming: bool) -> None:
    llm = _model(emulator, reasoning_effort="low", output_version="v1", use_responses_api=True)
    llm = llm.model_copy(update={"streaming": streaming})
    first = _invoke(run_io, llm, "Say hello")
    types = [block["type"] for block in first.content]
    assert types == ["reasoning", "text"]
    assert first.content[0]["reasoning"].startswith("**Answering directly**")
    _invoke(run_io, llm, [HumanMessage("Say hello"), first, HumanMessage("Again")])
    returned = _responses_requests(emulator)[-1].reasoning_returned
    assert list(returned) == [first.content[0]["id"]]


@STREAMING
def test_output_version_v0_keeps_reasoning_aside(
    run_io: RunIO, emulator: Any, streaming: bool
) -> None:
    llm = _model(emulator, reasoning_effort="low", output_version="v0", use_responses_api=True)
    llm = llm.model_copy(update={"streaming": streaming})
    first = _invoke(run_io, llm, "Say hello")
    reasoning = first.additional_kwargs["reasoning"]
    assert reasoning["summary"][0]["text"].startswith("**Answering directly**")
    assert [block["type"] for block in first.content] == ["text"]
    _invoke(run_io, llm, [HumanMessage("Say hello"), first, HumanMessage("Again")])
    assert list(_responses_requests(emulator)[-1].reasoning_returned) == [reasoning["id"]]


# --- which wire -----------------------------------------------------------------------------------


def test_chat_completions_stays_when_asked(run_io: RunIO, emulator: Any) -> None:
    explicit = _model(emulator, use_responses_api=False, reasoning_effort="low")
    bound = explicit.bind_tools([get_weather])
    with pytest.raises(ToolsWithReasoningError):
        run_io(lambda: bound.invoke("Weather in Oslo?"), lambda: bound.ainvoke("Weather in Oslo?"))
    assert emulator.requests == []  # refused before sending
    dropped = _model(emulator, reasoning_effort="low", tools_with_reasoning="drop_effort")
    with pytest.warns(UserWarning, match="reasoning_effort='low' was not sent"):
        message = _invoke(run_io, dropped.bind_tools([get_weather]), "Weather in Oslo?")
    assert message.tool_calls
    assert [r.path.rsplit("/", 2)[-2:] for r in emulator.requests] == [["chat", "completions"]]


# --- errors ---------------------------------------------------------------------------------------


def test_chat_only_parameter_is_refused_before_sending(run_io: RunIO, emulator: Any) -> None:
    llm = _model(emulator, use_responses_api=True, seed=7)
    with pytest.raises(ResponsesParameterError, match="seed is not a Responses API parameter"):
        run_io(lambda: llm.invoke("hi"), lambda: llm.ainvoke("hi"))
    assert emulator.requests == []


def test_unknown_parameter_is_refused_with_close_matches(run_io: RunIO, emulator: Any) -> None:
    llm = _model(emulator, use_responses_api=True)
    with pytest.raises(ResponsesParameterError, match="did you mean 'max_output_tokens'"):
        run_io(
            lambda: llm.invoke("hi", max_output_token=64),
            lambda: llm.ainvoke("hi", max_output_token=64),
        )
    assert emulator.requests == []


@STREAMING
def test_status_errors_are_the_transports(run_io: RunIO, emulator: Any, streaming: bool) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=2003), next_n=3)
    llm = _model(emulator, use_responses_api=True, max_retries=0, streaming=streaming)
    with pytest.raises(errors.RateLimitError):
        _invoke(run_io, llm, "hi")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault(kind="error_event", after=4, message="boom"), errors.GatewayError),
        (Fault(kind="cut", after=4), errors.StreamTruncatedError),
    ],
    ids=["error_event", "cut"],
)
def test_broken_streams_raise_typed_errors(
    run_io: RunIO, emulator: Any, fault: Fault, expected: type[Exception]
) -> None:
    emulator.plan_faults(fault, next_n=1)
    llm = _model(emulator, use_responses_api=True, max_retries=0)
    with pytest.raises(expected):
        _invoke(run_io, llm, "Say hello", streaming=True)
