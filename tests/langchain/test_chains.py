"""ChatGPT54Nano inside LangChain: LCEL chains, batching and an agent tool loop (emulator)."""

from __future__ import annotations

from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool

from langchain_gpt54nano import ChatGPT54Nano

RunIO = Any

PROMPT = ChatPromptTemplate.from_messages(
    [("system", "You answer in one sentence."), ("human", "Tell me about {topic}.")]
)


def test_lcel_chain_invoke(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    chain = PROMPT | llm | StrOutputParser()
    text = run_io(
        lambda: chain.invoke({"topic": "gateways"}),
        lambda: chain.ainvoke({"topic": "gateways"}),
    )
    assert isinstance(text, str) and text
    body = emulator.requests[-1].body
    assert body["messages"] == [
        {"role": "system", "content": "You answer in one sentence."},
        {"role": "user", "content": "Tell me about gateways."},
    ]


def test_lcel_chain_streams_token_by_token(run_io: RunIO, llm: ChatGPT54Nano) -> None:
    chain = PROMPT | llm | StrOutputParser()

    async def collect() -> list[str]:
        return [piece async for piece in chain.astream({"topic": "caching"})]

    pieces = run_io(lambda: list(chain.stream({"topic": "caching"})), collect)
    non_empty = [p for p in pieces if p]
    assert len(non_empty) > 1  # streamed through the parser, not buffered
    reference = chain.invoke({"topic": "caching"})
    assert "".join(pieces) == reference  # the emulator is deterministic


def test_batch_with_max_concurrency(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    prompts = [f"Say the number {i}." for i in range(6)]
    config = {"max_concurrency": 2}
    results = run_io(
        lambda: llm.batch(prompts, config=config),
        lambda: llm.abatch(prompts, config=config),
    )
    assert len(results) == len(prompts)
    assert all(isinstance(r, AIMessage) and r.text for r in results)
    seen = sorted(r.body["messages"][0]["content"] for r in emulator.requests)
    assert seen == sorted(prompts)
    # Each answer belongs to its own prompt (order preserved through the batch).
    for i, result in enumerate(results):
        assert f"number {i}" in result.text


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny and 21 C in {city}."


@tool
def get_population(city: str) -> str:
    """Get the population of a city."""
    return f"{city} has 2.1 million inhabitants."


def test_agent_tool_loop_with_two_tools(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    agent = create_agent(llm, tools=[get_weather, get_population])
    question = {
        "messages": [
            HumanMessage("What is the weather in Paris, and what is the population of Paris?")
        ]
    }
    state = run_io(lambda: agent.invoke(question), lambda: agent.ainvoke(question))
    messages = state["messages"]
    tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
    assert {m.name for m in tool_messages} == {"get_weather", "get_population"}
    assert any("sunny" in str(m.content) for m in tool_messages)
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert not final.tool_calls
    assert final.text
    # The loop went back to the model with the tool results.
    chat = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert len(chat) >= 2
    assert any(m["role"] == "tool" for m in chat[-1].body["messages"])


def test_agent_streams_updates(run_io: RunIO, llm: ChatGPT54Nano) -> None:
    agent = create_agent(llm, tools=[get_weather, get_population])
    question = {"messages": [HumanMessage("What is the weather in Lisbon?")]}

    async def collect() -> list[Any]:
        return [event async for event in agent.astream(question, stream_mode="updates")]

    events = run_io(lambda: list(agent.stream(question, stream_mode="updates")), collect)
    nodes = [name for event in events for name in event]
    assert nodes[0] == "model"
    assert "tools" in nodes
    assert nodes[-1] == "model"
