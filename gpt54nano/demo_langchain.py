"""The LangChain part of ``gpt54nano demo``: an LCEL chain streamed token by token, one tool
call answered and fed back, and structured output into a pydantic model.

Imported only by the CLI when the demo runs (LangChain is an optional extra).
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_gpt54nano import ChatGPT54Nano

from .demo import CallFacts, Session, Transcript

__all__ = ["CityFacts", "get_weather", "run"]

_WEATHER = {
    "lisbon": {"city": "Lisbon", "temperature_c": 21, "sky": "sunny"},
    "paris": {"city": "Paris", "temperature_c": 14, "sky": "cloudy"},
}


@tool
def get_weather(city: str) -> str:
    """Current weather for a city: temperature in Celsius and the sky."""
    report = _WEATHER.get(city.strip().lower(), {"city": city, "temperature_c": 18, "sky": "clear"})
    return json.dumps(report)


class CityFacts(BaseModel):
    """A few facts about a city."""

    city: str
    country: str
    population_millions: float = Field(description="metropolitan population, in millions")
    known_for: list[str] = Field(description="two or three things the city is known for")


class CallReporter(BaseCallbackHandler):
    """Prints one line per model call (tokens, gateway log id, cache status) as it ends."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for generations in response.generations:
            for generation in generations:
                if isinstance(generation, ChatGeneration):
                    self.transcript.call(facts_of(generation.message))


def facts_of(message: BaseMessage) -> CallFacts:
    usage = message.usage_metadata if isinstance(message, AIMessage) else None
    metadata = message.response_metadata
    return CallFacts(
        input_tokens=usage["input_tokens"] if usage else None,
        output_tokens=usage["output_tokens"] if usage else None,
        log_id=metadata.get("gateway", {}).get("log_id"),
        cache_status=metadata.get("gateway", {}).get("cache_status"),
    )


def run(session: Session, transcript: Transcript) -> None:
    llm = ChatGPT54Nano(config=session.config)
    config: RunnableConfig = {"callbacks": [CallReporter(transcript)]}
    _chain(llm, session, transcript, config)
    _tools(llm, session, transcript, config)
    _structured(llm, session, transcript, config)


def _chain(llm: ChatGPT54Nano, session: Session, out: Transcript, config: RunnableConfig) -> None:
    out.section("LangChain: LCEL chain (prompt | model | parser), tokens streamed as they arrive")
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a concise assistant. Answer in two short sentences."),
            ("human", "Explain {topic} to a new developer."),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    topic = "what an AI gateway does"
    session.script(
        {
            "content": "An AI gateway sits between your application and model providers. "
            "It adds caching, retries, rate limits and logs without changing your code."
        }
    )
    out.prompt("you", f"Explain {topic} to a new developer.")
    out.stream("model> ")
    for token in chain.stream({"topic": topic}, config=config):
        out.stream(token)


def _tools(llm: ChatGPT54Nano, session: Session, out: Transcript, config: RunnableConfig) -> None:
    out.section("LangChain: tool calling (bind_tools, run the tool, send the result back)")
    with_tools = llm.bind_tools([get_weather])
    question = "What's the weather in Lisbon right now? One sentence."
    messages: list[BaseMessage] = [HumanMessage(question)]
    session.script(
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]},
        {"content": "It is 21 °C and sunny in Lisbon right now."},
    )
    out.prompt("you", question)
    reply = with_tools.invoke(messages, config=config)
    messages.append(reply)
    if not isinstance(reply, AIMessage) or not reply.tool_calls:
        out.line(f"model> {reply.content} (answered without calling the tool)")
        return
    for call in reply.tool_calls:
        out.event("tool call", f"{call['name']}({json.dumps(call['args'])})")
        result = get_weather.invoke(call)
        out.event("tool result", str(result.content))
        messages.append(result)
    final = with_tools.invoke(messages, config=config)
    out.line(f"model> {final.content}")


def _structured(
    llm: ChatGPT54Nano, session: Session, out: Transcript, config: RunnableConfig
) -> None:
    out.section("LangChain: structured output into a pydantic model (with_structured_output)")
    structured = llm.with_structured_output(CityFacts)
    question = "Give me a few facts about Lisbon."
    session.script(
        {
            "content": json.dumps(
                {
                    "city": "Lisbon",
                    "country": "Portugal",
                    "population_millions": 2.9,
                    "known_for": ["trams", "pastéis de nata", "fado"],
                }
            )
        }
    )
    out.prompt("you", question)
    facts = structured.invoke(question, config=config)
    out.event("structured", repr(facts))
