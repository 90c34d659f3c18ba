"""The LlamaIndex part of ``gpt54nano demo``: a FunctionAgent with two tools, its events
streamed to the terminal, and one line per model call taken from LlamaIndex's instrumentation.

Imported only by the CLI when the demo runs (LlamaIndex is an optional extra).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llama_index.core.agent.workflow import (
    AgentOutput,
    AgentStream,
    FunctionAgent,
    ToolCall,
    ToolCallResult,
)
from llama_index.core.bridge.pydantic import Field
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent
from llama_index_instrumentation import get_dispatcher

from llama_index_gpt54nano import GPT54Nano

from .demo import CallFacts, Session, Transcript

__all__ = ["celsius_to_fahrenheit", "get_weather", "run"]

_WEATHER = {"paris": 14.0, "lisbon": 21.0, "oslo": 3.0}


def get_weather(city: str) -> str:
    """Current temperature in a city, in degrees Celsius."""
    celsius = _WEATHER.get(city.strip().lower(), 18.0)
    return json.dumps({"city": city, "temperature_c": celsius})


def celsius_to_fahrenheit(celsius: float) -> float:
    """Converts a temperature from degrees Celsius to degrees Fahrenheit."""
    return round(celsius * 9 / 5 + 32, 1)


class _CallReporter(BaseEventHandler):
    """Collects one line per model call when LlamaIndex reports that the call ended.

    The agent's own events reach us through a queue, later than this handler runs, so the
    lines are held here and printed when the agent reports the matching output."""

    pending: list[CallFacts] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "GPT54NanoDemoCallReporter"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if not isinstance(event, LLMChatEndEvent) or event.response is None:
            return
        extra = event.response.additional_kwargs
        gateway = extra.get("gateway") or {}
        self.pending.append(
            CallFacts(
                input_tokens=extra.get("prompt_tokens"),
                output_tokens=extra.get("completion_tokens"),
                log_id=gateway.get("log_id"),
                cache_status=gateway.get("cache_status"),
            )
        )

    def flush(self, transcript: Transcript) -> None:
        for facts in self.pending:
            transcript.call(facts)
        self.pending.clear()


@contextmanager
def _reporting() -> Iterator[_CallReporter]:
    # The root dispatcher is process-wide: add the handler for the demo only, then remove it.
    dispatcher = get_dispatcher()
    handler = _CallReporter()
    dispatcher.add_event_handler(handler)
    try:
        yield handler
    finally:
        dispatcher.event_handlers.remove(handler)


def run(session: Session, transcript: Transcript) -> None:
    asyncio.run(_agent(session, transcript))


async def _agent(session: Session, out: Transcript) -> None:
    out.section("LlamaIndex: FunctionAgent with two tools, events streamed")
    llm = GPT54Nano(config=session.config)
    agent = FunctionAgent(
        tools=[get_weather, celsius_to_fahrenheit],
        llm=llm,
        system_prompt="You answer weather questions. Use the tools; answer in one sentence.",
    )
    question = "How warm is it in Paris right now, in Fahrenheit?"
    session.script(
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
        {"tool_calls": [{"name": "celsius_to_fahrenheit", "arguments": {"celsius": 14.0}}]},
        {"content": "It is 14 °C in Paris right now, which is 57.2 °F."},
    )
    out.prompt("you", question)
    with _reporting() as reporter:
        handler = agent.run(user_msg=question)
        streaming = False
        async for event in handler.stream_events():
            if isinstance(event, AgentStream):
                if event.delta and not streaming:
                    out.stream("model> ")
                    streaming = True
                out.stream(event.delta)
            elif isinstance(event, ToolCallResult):
                out.event("tool result", f"{event.tool_name} -> {event.tool_output.content}")
            elif isinstance(event, ToolCall):
                out.event("tool call", f"{event.tool_name}({json.dumps(event.tool_kwargs)})")
            elif isinstance(event, AgentOutput):
                streaming = False
                reporter.flush(out)
        result = await handler
        reporter.flush(out)
    out.event("agent done", f"final answer: {result}")
