"""LlamaIndex agents, chat and query engines driven by GPT54Nano on the emulator's model.

Agents are async-only APIs (``agent.run`` returns a workflow handler); each test runs them on a
fresh event loop, streaming (their default) and not. The chat engine has both APIs: run_io.

With ``from __future__ import annotations`` CodeActAgent prints stringified signatures
(``a: 'int'``) into its prompt, as most user code would.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from typing import Any

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import (
    AgentOutput,
    AgentStream,
    AgentWorkflow,
    CodeActAgent,
    FunctionAgent,
    ReActAgent,
    ToolCallResult,
)
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.embeddings import MockEmbedding

from llama_index_gpt54nano import GPT54Nano


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def get_weather(city: str) -> str:
    """Current weather forecast in a city."""
    return f"Sunny and 21 degrees in {city}"


class Run:
    """What one agent run produced: final text, tool results, streamed deltas, outputs."""

    def __init__(self) -> None:
        self.text = ""
        self.tools: list[tuple[str, dict[str, Any], str]] = []
        self.deltas: list[str] = []
        self.outputs: list[AgentOutput] = []


def run_agent(agent: Any, question: str) -> Run:
    async def main() -> Run:
        run = Run()
        handler = agent.run(user_msg=question)
        async for event in handler.stream_events():
            if isinstance(event, AgentStream):
                run.deltas.append(event.delta)
            elif isinstance(event, ToolCallResult):
                run.tools.append((event.tool_name, event.tool_kwargs, str(event.tool_output)))
            elif isinstance(event, AgentOutput):
                run.outputs.append(event)
        run.text = str(await handler)
        return run

    return asyncio.run(main())


def test_function_agent_with_two_tools(
    llm: GPT54Nano, streaming: bool, bodies: Callable[[], list[dict[str, Any]]]
) -> None:
    agent = FunctionAgent(
        tools=[add, multiply], llm=llm, streaming=streaming, system_prompt="Use the tools."
    )
    run = run_agent(agent, "Add 2 and 3, and multiply the numbers too")
    assert [name for name, _, _ in run.tools] == ["add", "multiply"]
    assert run.tools[0] == ("add", {"a": 2, "b": 3}, "5")
    assert "5" in run.text
    if streaming:
        # The last step's deltas add up to the final answer (cumulative content, new delta).
        assert run.text in "".join(run.deltas)
    first, second = bodies()
    assert first["tool_choice"] == "auto" and first["parallel_tool_calls"] is True
    assert first.get("stream", False) is streaming
    wire = second["messages"]
    assistant = next(m for m in wire if m["role"] == "assistant")
    assert assistant["content"] is None and len(assistant["tool_calls"]) == 2
    tool_results = [m for m in wire if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_results] == [c["id"] for c in assistant["tool_calls"]]


def test_function_agent_initial_tool_choice(llm: GPT54Nano, bodies: Any) -> None:
    agent = FunctionAgent(tools=[add, multiply], llm=llm, initial_tool_choice="multiply")
    run = run_agent(agent, "What is six times seven?")
    assert run.tools and run.tools[0][0] == "multiply"
    sent = bodies()
    assert sent[0]["tool_choice"] == {"type": "function", "function": {"name": "multiply"}}
    assert sent[1]["tool_choice"] == "auto"


def test_react_agent(llm: GPT54Nano, streaming: bool, bodies: Any) -> None:
    agent = ReActAgent(tools=[add, multiply], llm=llm, streaming=streaming)
    run = run_agent(agent, "Add 2 and 3")
    assert run.tools == [("add", {"a": 2, "b": 3}, "5")]
    assert "5" in run.text
    assert all("tools" not in body for body in bodies())  # ReAct describes tools in text


def _execute(code: str) -> str:
    namespace: dict[str, Any] = {"add": add, "multiply": multiply}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, namespace)  # test-only: runs the emulator's generated snippet
    return out.getvalue()


async def _aexecute(code: str) -> str:
    return _execute(code)


def test_codeact_agent(llm: GPT54Nano, streaming: bool) -> None:
    agent = CodeActAgent(
        tools=[add, multiply], llm=llm, streaming=streaming, code_execute_fn=_aexecute
    )
    run = run_agent(agent, "Multiply 6 by 7")
    assert run.tools and run.tools[0][0] == "execute"
    assert "multiply(" in run.tools[0][1]["code"]
    assert run.tools[0][2].strip() == "42"
    assert "42" in run.text


def test_agent_workflow_hand_off(llm: GPT54Nano, streaming: bool) -> None:
    math = FunctionAgent(
        name="MathAgent",
        description="Does arithmetic: adds numbers.",
        tools=[add],
        llm=llm,
        streaming=streaming,
        system_prompt="You do arithmetic.",
        can_handoff_to=["WeatherAgent"],
    )
    weather = FunctionAgent(
        name="WeatherAgent",
        description="Knows the weather forecast in cities.",
        tools=[get_weather],
        llm=llm,
        streaming=streaming,
        system_prompt="You know the weather.",
    )
    workflow = AgentWorkflow(agents=[math, weather], root_agent="MathAgent")
    run = run_agent(workflow, "What is the weather in Paris?")
    names = [name for name, _, _ in run.tools]
    assert names == ["handoff", "get_weather"]
    assert run.tools[0][1]["to_agent"] == "WeatherAgent"
    assert run.tools[1][1] == {"city": "Paris"}
    assert run.outputs[-1].current_agent_name == "WeatherAgent"
    assert "Sunny" in run.text


def test_agent_workflow_from_tools_picks_function_agent(llm: GPT54Nano) -> None:
    workflow = AgentWorkflow.from_tools_or_functions([add], llm=llm)
    assert isinstance(next(iter(workflow.agents.values())), FunctionAgent)


def test_simple_chat_engine(llm: GPT54Nano, run_io: Callable[..., Any]) -> None:
    engine = SimpleChatEngine.from_defaults(llm=llm)

    async def astream() -> str:
        response = await engine.astream_chat('Reply with "stream"')
        return "".join([token async for token in response.async_response_gen()])

    first = 'Reply with "hello engine"'
    answer = run_io(lambda: engine.chat(first), lambda: engine.achat(first))
    assert answer.response == "hello engine"
    streamed = run_io(
        lambda: "".join(engine.stream_chat('Reply with "stream"').response_gen), astream
    )
    assert streamed == "stream"
    assert len(engine.chat_history) == 4


def test_query_engine_over_a_vector_index(
    llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any
) -> None:
    documents = [
        Document(text="The capital of France is Paris."),
        Document(text="Bananas are yellow."),
    ]
    index = VectorStoreIndex.from_documents(documents, embed_model=MockEmbedding(embed_dim=8))
    engine = index.as_query_engine(llm=llm)
    question = "What is the capital of France? Reply with Paris"
    response = run_io(lambda: engine.query(question), lambda: engine.aquery(question))
    assert str(response) == "Paris"
    assert len(response.source_nodes) == 2
    prompt = bodies()[-1]["messages"][-1]["content"]
    assert "Bananas are yellow." in prompt and question in prompt

    streaming_engine = index.as_query_engine(llm=llm, streaming=True)

    async def astream() -> str:
        response = await streaming_engine.aquery(question)
        return "".join([token async for token in response.async_response_gen()])

    streamed = run_io(lambda: "".join(streaming_engine.query(question).response_gen), astream)
    assert streamed == "Paris"
