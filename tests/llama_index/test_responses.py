"""GPT54Nano on the Responses API, against the emulator over loopback.

Agents run twice (streaming and not) on a fresh event loop; the LLM-level tests run their sync
and async twins through ``run_io``. What is proven on the emulator's request log: the wire
taken (``/responses``), the reasoning asked for (effort, summary, encrypted content, store
false) and, on the turn after a tool call, the previous turn's reasoning sent back
(``RecordedRequest.reasoning_returned`` lists the items whose encrypted content the emulator
verified).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.agent.workflow import (
    AgentOutput,
    AgentStream,
    AgentWorkflow,
    FunctionAgent,
    ReActAgent,
    ToolCallResult,
)
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock, ToolCallBlock
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import (
    LLMChatEndEvent,
    LLMChatInProgressEvent,
    LLMChatStartEvent,
)
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from gpt54nano_emulator import Reply
from gpt54nano_gateway.errors import ConfigurationError
from llama_index_gpt54nano import GPT54Nano

CHOOSING = (
    "**Choosing tools**\n\nThe request needs `add` and `multiply`, so I will call the tools "
    "with arguments taken from the message."
)
USING = "**Using the tool results**\n\nThe tools answered; I will reply from their results."


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def make_llm(emulator: Any, **kwargs: Any) -> GPT54Nano:
    return GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        **kwargs,
    )


def responses_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/responses")]


class Run:
    def __init__(self) -> None:
        self.text = ""
        self.tools: list[tuple[str, dict[str, Any], str]] = []
        self.deltas: list[str] = []
        self.thinking: list[str] = []
        self.outputs: list[AgentOutput] = []


def run_agent(agent: Any, question: str) -> Run:
    async def main() -> Run:
        run = Run()
        handler = agent.run(user_msg=question)
        async for event in handler.stream_events():
            if isinstance(event, AgentStream):
                run.deltas.append(event.delta)
                if event.thinking_delta:
                    run.thinking.append(event.thinking_delta)
            elif isinstance(event, ToolCallResult):
                run.tools.append((event.tool_name, event.tool_kwargs, str(event.tool_output)))
            elif isinstance(event, AgentOutput):
                run.outputs.append(event)
        run.text = str(await handler)
        return run

    return asyncio.run(main())


def thinking_blocks(message: ChatMessage) -> list[ThinkingBlock]:
    return [block for block in message.blocks if isinstance(block, ThinkingBlock)]


def test_function_agent_reasons_with_two_tools_and_sends_the_reasoning_back(
    emulator: Any, streaming: bool
) -> None:
    llm = make_llm(emulator, reasoning_effort="low")
    agent = FunctionAgent(
        tools=[add, multiply], llm=llm, streaming=streaming, system_prompt="Use the tools."
    )
    run = run_agent(agent, "Add 2 and 3, and multiply the numbers too")

    assert [name for name, _, _ in run.tools] == ["add", "multiply"]
    assert run.tools[0] == ("add", {"a": 2, "b": 3}, "5") and "5" in run.text
    # Reasoning summaries: a ThinkingBlock on each step's message (and streamed as deltas).
    first, last = run.outputs[0].response, run.outputs[-1].response
    (choosing,) = thinking_blocks(first)
    assert choosing.content == CHOOSING and choosing.num_tokens
    assert choosing.additional_information["encrypted_content"].startswith("gAAAAA")
    assert [block.content for block in thinking_blocks(last)] == [USING]
    if streaming:
        assert "".join(run.thinking) == CHOOSING + USING
        assert run.text in "".join(run.deltas)
    else:
        assert run.thinking == []

    sent = responses_requests(emulator)
    assert len(sent) == 2 and len(emulator.requests) == 2  # no Chat Completions call at all
    body = sent[0].body
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"] and body["store"] is False
    assert body.get("stream", False) is streaming
    assert [tool["name"] for tool in body["tools"]] == ["add", "multiply"]
    assert all(tool["strict"] is False for tool in body["tools"])
    assert sent[0].reasoning_returned == ()
    # Turn two: the first turn's reasoning item went back, verified by the emulator.
    assert sent[1].reasoning_returned == (choosing.additional_information["id"],)
    kinds = [item.get("type") for item in sent[1].body["input"]]
    assert kinds == [
        "message",
        "message",
        "reasoning",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]


def test_agent_workflow_and_react_agent_on_the_responses_api(
    emulator: Any, streaming: bool
) -> None:
    llm = make_llm(emulator, reasoning_effort="low", use_responses_api=True)
    workflow = AgentWorkflow(
        agents=[
            FunctionAgent(
                name="calc", description="Adds.", tools=[add], llm=llm, streaming=streaming
            )
        ]
    )
    run = run_agent(workflow, "Add 2 and 3")
    assert run.tools == [("add", {"a": 2, "b": 3}, "5")] and "5" in run.text
    assert [r.reasoning_returned != () for r in responses_requests(emulator)] == [False, True]

    emulator.reset()
    react = ReActAgent(tools=[add], llm=llm, streaming=streaming)
    run = run_agent(react, "Add 2 and 3")
    assert run.tools == [("add", {"a": 2, "b": 3}, "5")] and "5" in run.text
    sent = responses_requests(emulator)
    assert len(sent) == len(emulator.requests) >= 2
    assert all("tools" not in r.body for r in sent)  # ReAct describes its tools in text


def test_chat_with_tools_round_trip(
    emulator: Any, run_io: Callable[..., Any], streaming: bool
) -> None:
    llm = make_llm(emulator, reasoning_effort="low")
    tools = [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=multiply)]
    question = ChatMessage(role="user", content="Add 2 and 3, and multiply the numbers too")

    def ask(history: list[ChatMessage]) -> Any:
        if streaming:
            *_, last = llm.stream_chat_with_tools(
                tools, chat_history=history, allow_parallel_tool_calls=True
            )
            return last
        return llm.chat_with_tools(tools, chat_history=history, allow_parallel_tool_calls=True)

    async def aask(history: list[ChatMessage]) -> Any:
        if streaming:
            gen = await llm.astream_chat_with_tools(
                tools, chat_history=history, allow_parallel_tool_calls=True
            )
            return [r async for r in gen][-1]
        return await llm.achat_with_tools(
            tools, chat_history=history, allow_parallel_tool_calls=True
        )

    first = run_io(lambda: ask([question]), lambda: aask([question]))
    selections = llm.get_tool_calls_from_response(first)
    assert [s.tool_name for s in selections] == ["add", "multiply"]
    assert selections[0].tool_kwargs == {"a": 2, "b": 3}
    assert first.additional_kwargs["finish_reason"] == "tool_calls"
    assert first.additional_kwargs["reasoning_tokens"] > 0
    history = [question, first.message]
    for selection, tool in zip(selections, tools, strict=True):
        history.append(
            ChatMessage(
                role="tool",
                content=str(tool(**selection.tool_kwargs)),
                additional_kwargs={"tool_call_id": selection.tool_id},
            )
        )
    final = run_io(lambda: ask(history), lambda: aask(history))
    assert "5" in final.message.content
    assert final.additional_kwargs["finish_reason"] == "stop"
    (thinking,) = thinking_blocks(first.message)
    assert responses_requests(emulator)[1].reasoning_returned == (
        thinking.additional_information["id"],
    )


def test_usage_thinking_and_instrumentation_events(
    emulator: Any, run_io: Callable[..., Any], streaming: bool
) -> None:
    events: list[BaseEvent] = []

    class Collect(BaseEventHandler):
        def handle(self, event: BaseEvent, **kwargs: Any) -> None:
            events.append(event)

    handler = Collect()
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    try:
        emulator.queue_reply(Reply(content="Hola", reasoning="**Translating**\n\nEasy."))
        llm = make_llm(emulator, reasoning_effort="medium", use_responses_api=True)
        messages = [ChatMessage(role="user", content="Say hello in Spanish.")]

        def call() -> Any:
            if streaming:
                return list(llm.stream_chat(messages))

            return [llm.chat(messages)]

        async def acall() -> Any:
            if streaming:
                return [r async for r in await llm.astream_chat(messages)]
            return [await llm.achat(messages)]

        responses = run_io(call, acall)
    finally:
        dispatcher.event_handlers.remove(handler)

    last = responses[-1]
    assert last.message.content == "Hola"
    (thinking,) = thinking_blocks(last.message)
    assert thinking.content == "**Translating**\n\nEasy."
    usage = {k: last.additional_kwargs[k] for k in ("prompt_tokens", "reasoning_tokens")}
    assert usage["reasoning_tokens"] == thinking.num_tokens and usage["reasoning_tokens"] > 0
    assert last.additional_kwargs["status"] == "completed"
    kinds = [type(e) for e in events if isinstance(e, LLMChatStartEvent | LLMChatEndEvent)]
    assert kinds == [LLMChatStartEvent, LLMChatEndEvent]
    end = next(e for e in events if isinstance(e, LLMChatEndEvent))
    assert end.response is not None and end.response.message == last.message
    progress = [e for e in events if isinstance(e, LLMChatInProgressEvent)]
    if streaming:
        assert [e.response for e in progress] == responses
        deltas = [r.additional_kwargs.get("thinking_delta") or "" for r in responses]
        assert "".join(deltas) == "**Translating**\n\nEasy."
        assert "".join(r.delta or "" for r in responses) == "Hola"
    else:
        assert progress == []


class Person(BaseModel):
    name: str
    age: int


def test_structured_predict_on_the_responses_api(
    emulator: Any, run_io: Callable[..., Any], streaming: bool
) -> None:
    llm = make_llm(emulator, reasoning_effort="low", use_responses_api=True)
    prompt = PromptTemplate("Extract the person: {text}")
    text = "Ada is 36 years old."

    def call() -> Any:
        if streaming:
            *_, last = llm.stream_structured_predict(Person, prompt, text=text)
            return last
        return llm.structured_predict(Person, prompt, text=text)

    async def acall() -> Any:
        if streaming:
            stream = await llm.astream_structured_predict(Person, prompt, text=text)
            return [p async for p in stream][-1]
        return await llm.astructured_predict(Person, prompt, text=text)

    person = run_io(call, acall)
    assert isinstance(person, Person | BaseModel)
    assert Person.model_validate(person.model_dump()) == person
    (sent,) = responses_requests(emulator)
    fmt = sent.body["text"]["format"]
    assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", "Person", True)
    assert fmt["schema"]["required"] == ["name", "age"]


def test_route_and_refusals_before_sending(emulator: Any, run_io: Callable[..., Any]) -> None:
    tools = [FunctionTool.from_defaults(fn=add)]
    llm = make_llm(emulator, reasoning_effort="low")
    # No tools: Chat Completions (reasoning_effort allowed there).
    run_io(lambda: llm.complete("hi"), lambda: llm.acomplete("hi"))
    assert emulator.requests[-1].path.endswith("/chat/completions")
    # A per-call effort with tools picks the Responses API too.
    plain = make_llm(emulator)
    run_io(
        lambda: plain.chat_with_tools(tools, user_msg="Add 2 and 3", reasoning_effort="low"),
        lambda: plain.achat_with_tools(tools, user_msg="Add 2 and 3", reasoning_effort="low"),
    )
    assert emulator.requests[-1].path.endswith("/responses")
    emulator.reset()
    # A Chat Completions parameter with no Responses equivalent is refused, not dropped.
    with pytest.raises(ConfigurationError, match="'seed' is a Chat Completions parameter"):
        run_io(
            lambda: llm.chat_with_tools(tools, user_msg="Add 2 and 3", seed=1),
            lambda: llm.achat_with_tools(tools, user_msg="Add 2 and 3", seed=1),
        )
    assert emulator.requests == []


def test_tool_call_blocks_survive_in_memory_form(emulator: Any) -> None:
    """A message that went through a memory's JSON form still sends its reasoning back."""
    llm = make_llm(emulator, reasoning_effort="low")
    tools = [FunctionTool.from_defaults(fn=add)]
    first = llm.chat_with_tools(tools, user_msg="Add 2 and 3")
    stored = ChatMessage.model_validate_json(first.message.model_dump_json())
    assert stored == first.message
    call = next(b for b in stored.blocks if isinstance(b, ToolCallBlock))
    history = [
        ChatMessage(role="user", content="Add 2 and 3"),
        stored,
        ChatMessage(
            role="tool", content="5", additional_kwargs={"tool_call_id": call.tool_call_id}
        ),
    ]
    llm.chat_with_tools(tools, chat_history=history)
    assert len(responses_requests(emulator)[1].reasoning_returned) == 1


def test_reasoning_that_uses_the_whole_budget_is_incomplete_and_not_sent_back(
    emulator: Any, run_io: Callable[..., Any], streaming: bool
) -> None:
    llm = make_llm(emulator, reasoning_effort="xhigh", max_tokens=16, use_responses_api=True)
    question = [ChatMessage(role="user", content="Say hello")]

    def call() -> Any:
        return list(llm.stream_chat(question))[-1] if streaming else llm.chat(question)

    async def acall() -> Any:
        if streaming:
            return [r async for r in await llm.astream_chat(question)][-1]
        return await llm.achat(question)

    response = run_io(call, acall)
    assert response.message.content == ""
    assert {k: response.additional_kwargs[k] for k in ("finish_reason", "status")} == {
        "finish_reason": "length",
        "status": "incomplete",
    }
    (thinking,) = thinking_blocks(response.message)
    assert thinking.num_tokens == 16
    assert responses_requests(emulator)[0].body["max_output_tokens"] == 16
    # Reasoning with nothing after it cannot go back (the API refuses it): the next turn
    # leaves it out rather than fail.
    emulator.reset()
    follow_up = [*question, response.message, ChatMessage(role="user", content="Again")]
    run_io(lambda: llm.chat(follow_up), lambda: llm.achat(follow_up))
    (sent,) = responses_requests(emulator)
    assert [item["type"] for item in sent.body["input"]] == ["message", "message"]


@pytest.mark.parametrize(
    ("settings", "path"),
    [
        ({}, "/responses"),
        ({"tools_with_reasoning": "drop_effort"}, "/chat/completions"),
        ({"use_responses_api": False, "tools_with_reasoning": "responses"}, "/responses"),
    ],
    ids=["default", "drop_effort", "policy_responses"],
)
def test_tools_with_reasoning_policies_pick_the_route(
    emulator: Any, run_io: Callable[..., Any], settings: dict[str, Any], path: str
) -> None:
    llm = make_llm(emulator, reasoning_effort="low", **settings)
    tools = [FunctionTool.from_defaults(fn=add)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # drop_effort warns that the effort was not sent
        run_io(
            lambda: llm.chat_with_tools(tools, user_msg="Add 2 and 3"),
            lambda: llm.achat_with_tools(tools, user_msg="Add 2 and 3"),
        )
    assert [r.path.rsplit("/ai/v1", 1)[-1] for r in emulator.requests] == [path]
