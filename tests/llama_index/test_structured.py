"""Every structured-output path, in both modes: native ``response_format`` json_schema (the
default) and LlamaIndex's FunctionCallingProgram (a forced tool call)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from llama_index_gpt54nano import GPT54Nano

PROMPT = PromptTemplate("Extract the person from: {text}")


async def _drain(coro: Any) -> list[Any]:
    return [item async for item in await coro]


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str
    age: int


@pytest.fixture(params=["json_schema", "function_calling"])
def mode_llm(request: pytest.FixtureRequest, emulator: Any) -> GPT54Nano:
    return GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        structured_output_mode=request.param,
    )


def _check_wire(llm: GPT54Nano, body: dict[str, Any], *, streamed: bool) -> None:
    if llm.structured_output_mode == "json_schema":
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["schema"]["additionalProperties"] is False
        assert "tools" not in body
    else:
        assert "response_format" not in body
        assert body["tools"][0]["function"]["name"] == "Person"
        # Forced on the streamed paths too (core's own streaming program would send "auto").
        assert body["tool_choice"] in (
            "required",
            {"type": "function", "function": {"name": "Person"}},
        )


def test_structured_predict(mode_llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any) -> None:
    person = run_io(
        lambda: mode_llm.structured_predict(Person, PROMPT, text="Ada is 36"),
        lambda: mode_llm.astructured_predict(Person, PROMPT, text="Ada is 36"),
    )
    assert isinstance(person, Person) and person.age == 36
    _check_wire(mode_llm, bodies()[-1], streamed=False)


def test_stream_structured_predict(
    mode_llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any
) -> None:
    async def astream() -> list[Any]:
        stream = await mode_llm.astream_structured_predict(Person, PROMPT, text="Ada is 36")
        return [item async for item in stream]

    partials = run_io(
        lambda: list(mode_llm.stream_structured_predict(Person, PROMPT, text="Ada is 36")),
        astream,
    )
    assert len(partials) > 1
    final = partials[-1]
    assert final.age == 36 and final.name
    _check_wire(mode_llm, bodies()[-1], streamed=True)


def test_as_structured_llm(mode_llm: GPT54Nano, run_io: Callable[..., Any]) -> None:
    structured = mode_llm.as_structured_llm(Person)
    messages = [ChatMessage(role="user", content="Ada is 36")]
    response = run_io(lambda: structured.chat(messages), lambda: structured.achat(messages))
    assert isinstance(response.raw, Person) and response.raw.age == 36
    assert json.loads(response.message.content)["age"] == 36
    chunks = run_io(
        lambda: list(structured.stream_chat(messages)),
        lambda: _drain(structured.astream_chat(messages)),
    )
    assert json.loads(chunks[-1].message.content)["age"] == 36


def test_function_agent_with_output_cls(mode_llm: GPT54Nano) -> None:
    agent = FunctionAgent(tools=[], llm=mode_llm, output_cls=Person)

    async def main() -> Any:
        return await agent.run(user_msg="Ada is 36")

    output = asyncio.run(main())
    assert output.get_pydantic_model(Person).age == 36


def test_tool_knobs_in_llm_kwargs_are_dropped_in_json_schema_mode(
    llm: GPT54Nano, bodies: Any, run_io: Callable[..., Any]
) -> None:
    kwargs: dict[str, Any] = {"llm_kwargs": {"tool_choice": "required", "seed": 3}}
    run_io(
        lambda: llm.structured_predict(Person, PROMPT, text="Ada is 36", **kwargs),
        lambda: llm.astructured_predict(Person, PROMPT, text="Ada is 36", **kwargs),
    )
    body = bodies()[-1]
    assert "tool_choice" not in body and body["seed"] == 3


def test_other_program_modes_go_to_core(
    emulator: Any, bodies: Any, run_io: Callable[..., Any]
) -> None:
    # Core's text program quotes the schema in the prompt (with doubled braces); the emulator's
    # model reads it from there, as a real model would.
    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        pydantic_program_mode=PydanticProgramMode.LLM,
    )
    person = run_io(
        lambda: llm.structured_predict(Person, PROMPT, text="Ada is 36"),
        lambda: llm.astructured_predict(Person, PROMPT, text="Ada is 36"),
    )
    assert person.age == 36
    body = bodies()[-1]
    assert "response_format" not in body and "tools" not in body


def test_a_refusal_is_a_clear_error(llm: GPT54Nano, run_io: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="refused"):
        run_io(
            lambda: llm.structured_predict(Person, PROMPT, text="[[refuse]] Ada is 36"),
            lambda: llm.astructured_predict(Person, PROMPT, text="[[refuse]] Ada is 36"),
        )
