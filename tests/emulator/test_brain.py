"""The emulator's deterministic model (``_brain.generate``): pure rules, no server.

The framework cases build their requests the way the frameworks do (LangChain's tool schemas,
LlamaIndex's ReAct/CodeAct prompt builders and output parsers), so a drift in a framework's
prompt shows up here rather than as a hanging agent in an end-to-end test.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, Field

from gpt54nano_emulator.model._brain import Generation, Reply, generate
from gpt54nano_emulator.model._text import REFUSAL_TEXT

MAGIC = {
    "type": "function",
    "function": {
        "name": "magic_function",
        "description": "Apply a magic function to an input.",
        "parameters": {
            "type": "object",
            "properties": {
                "input": {"type": "integer", "exclusiveMinimum": -1000, "exclusiveMaximum": 1000}
            },
            "required": ["input"],
        },
    },
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather at a location.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}
ADDER = {
    "type": "function",
    "function": {
        "name": "my_adder_tool",
        "description": "Tool that adds two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}
NO_ARGS = {
    "type": "function",
    "function": {
        "name": "magic_function_no_args",
        "description": "Calculate a magic function.",
        "parameters": {"type": "object", "properties": {}},
    },
}


def user(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "openai/gpt-5.4-nano",
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def text_of(generation: Generation) -> str:
    return "".join(generation.pieces)


def args_of(generation: Generation, index: int = 0) -> Any:
    return json.loads(generation.tool_calls[index]["arguments"])


def names_of(generation: Generation) -> list[str]:
    return [c["name"] for c in generation.tool_calls]


def tool_turn(question: str, name: str, result: str, **extra: Any) -> dict[str, Any]:
    """A conversation that ends with the result of a call to ``name``."""
    call = {"id": "abc123", "type": "function", "function": {"name": name, "arguments": "{}"}}
    messages = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "abc123", "content": result},
    ]
    return {"model": "openai/gpt-5.4-nano", "messages": messages, **extra}


# --- text, determinism, usage ---------------------------------------------------------------


def test_text_answer_is_non_empty_and_mentions_the_question() -> None:
    generation = generate(user("What is 2+2?"))
    assert "What is 2+2?" in text_of(generation)
    assert generation.finish_reason == "stop"
    assert generation.tool_calls == []


def test_same_request_same_generation() -> None:
    body = user("What is the weather in Paris?", tools=[WEATHER])
    assert generate(body) == generate(body)


def test_usage_counts_pieces_and_prompt() -> None:
    generation = generate(user("Hello"))
    assert generation.completion_tokens == len(generation.pieces) > 1
    with_tools = generate(user("Hello", tools=[WEATHER, MAGIC]))
    assert with_tools.prompt_tokens > generation.prompt_tokens > 0
    assert generation.reasoning_tokens == 0


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Respond with the word 'pong'.", "pong"),
        ("Please reply with OK", "OK"),
        ('Say "hello world" and nothing else', "hello world"),
        ("Answer only with yes.", "yes"),
    ],
)
def test_asked_for_text_is_returned_verbatim(prompt: str, expected: str) -> None:
    assert text_of(generate(user(prompt))) == expected


def test_refusal_marker_gives_a_refusal_and_no_content() -> None:
    generation = generate(user("Do the thing [[refuse]]"))
    assert generation.refusal == REFUSAL_TEXT
    assert generation.pieces == []
    assert generation.finish_reason == "stop"
    assert generation.completion_tokens > 0


def test_list_content_parts_are_read() -> None:
    body = user("")
    body["messages"][0]["content"] = [{"type": "text", "text": "Respond with 'parts'"}]
    assert text_of(generate(body)) == "parts"


# --- stop and max tokens ----------------------------------------------------------------------


def test_stop_cuts_before_the_first_stop_string() -> None:
    body = user("x", stop=["three", "two"])
    generation = generate(body, Reply(content="one two three"))
    assert text_of(generation) == "one "
    assert generation.finish_reason == "stop"


def test_stop_as_a_single_string() -> None:
    assert text_of(generate(user("x", stop="!"), Reply(content="Hi! there"))) == "Hi"


@pytest.mark.parametrize("key", ["max_completion_tokens", "max_tokens"])
def test_max_tokens_truncates_with_length(key: str) -> None:
    generation = generate(user("x", **{key: 2}), Reply(content="alpha beta gamma delta"))
    assert generation.pieces == ["alpha", " beta"]
    assert generation.finish_reason == "length"
    assert generation.completion_tokens == 2


def test_max_tokens_cuts_tool_arguments_too() -> None:
    body = user("What is the value of magic_function(3)?", tools=[MAGIC], max_completion_tokens=3)
    generation = generate(body)
    assert generation.finish_reason == "length"
    assert generation.tool_calls[0]["arguments"] != '{"input": 3}'


# --- queued replies ---------------------------------------------------------------------------


def test_queued_reply_wins_and_keeps_unicode_arguments() -> None:
    queued = Reply(tool_calls=[{"name": "f", "arguments": {"city": "Zürich 東京"}}])
    generation = generate(user("Hello"), queued)
    assert generation.tool_calls[0]["arguments"] == '{"city": "Zürich 東京"}'
    assert generation.finish_reason == "tool_calls"
    assert re.fullmatch(r"call_[0-9a-f]{24}", generation.tool_calls[0]["id"])


def test_queued_ids_strings_and_finish_reason_are_kept() -> None:
    queued = Reply(
        content="partial",
        tool_calls=[{"name": "f", "arguments": '{"a": 1}', "id": "call_given"}],
        reasoning="thinking it over",
        finish_reason="content_filter",
    )
    generation = generate(user("Hello"), queued)
    assert generation.tool_calls == [{"id": "call_given", "name": "f", "arguments": '{"a": 1}'}]
    assert generation.finish_reason == "content_filter"
    assert generation.reasoning == "thinking it over"
    assert generation.reasoning_tokens > 0
    assert generation.completion_tokens > len(generation.pieces)


def test_call_ids_differ_by_position_and_conversation() -> None:
    queued = Reply(tool_calls=[{"name": "f", "arguments": {}}, {"name": "f", "arguments": {}}])
    first, second = generate(user("a"), queued).tool_calls
    other = generate(user("b"), queued).tool_calls[0]
    assert len({first["id"], second["id"], other["id"]}) == 3


# --- tool calls -------------------------------------------------------------------------------


def test_required_fills_arguments_from_the_prompt() -> None:
    prompt = "What is the value of magic_function(3)? Use the tool."
    generation = generate(user(prompt, tools=[MAGIC], tool_choice="required"))
    assert names_of(generation) == ["magic_function"]
    assert args_of(generation) == {"input": 3}
    assert generation.finish_reason == "tool_calls"
    assert generation.pieces == []


def test_required_without_a_match_calls_the_first_tool_validly() -> None:
    generation = generate(user("Hello!", tools=[WEATHER, MAGIC], tool_choice="required"))
    assert names_of(generation) == ["get_weather"]
    jsonschema.validate(args_of(generation), WEATHER["function"]["parameters"])


def test_named_tool_choice_calls_that_tool() -> None:
    choice = {"type": "function", "function": {"name": "magic_function"}}
    generation = generate(user("Hello!", tools=[WEATHER, MAGIC], tool_choice=choice))
    assert names_of(generation) == ["magic_function"]
    jsonschema.validate(args_of(generation), MAGIC["function"]["parameters"])


def test_no_argument_tool_gets_empty_arguments() -> None:
    generation = generate(user("Call it", tools=[NO_ARGS], tool_choice="required"))
    assert args_of(generation) == {}


def test_auto_calls_a_tool_the_request_names() -> None:
    generation = generate(user("What is the weather in San Francisco, CA?", tools=[WEATHER]))
    assert names_of(generation) == ["get_weather"]
    assert args_of(generation) == {"location": "San Francisco, CA"}


@pytest.mark.parametrize("choice", [None, "auto"])
def test_auto_without_a_match_answers_in_text(choice: str | None) -> None:
    body = user("Hello", tools=[WEATHER, MAGIC])
    if choice:
        body["tool_choice"] = choice
    generation = generate(body)
    assert generation.tool_calls == []
    assert text_of(generation)


def test_camel_case_names_match_too() -> None:
    tool = json.loads(json.dumps(WEATHER).replace("get_weather", "getWeather"))
    assert names_of(generate(user("weather in Oslo?", tools=[tool]))) == ["getWeather"]


def test_tool_choice_none_never_calls() -> None:
    body = user("What is the weather in Paris?", tools=[WEATHER], tool_choice="none")
    generation = generate(body)
    assert generation.tool_calls == []
    assert text_of(generation)


def test_several_matches_give_parallel_calls_unless_disabled() -> None:
    prompt = "Give me the weather in Rome and the magic_function of 4"
    generation = generate(user(prompt, tools=[WEATHER, MAGIC]))
    assert sorted(names_of(generation)) == ["get_weather", "magic_function"]
    single = generate(user(prompt, tools=[WEATHER, MAGIC], parallel_tool_calls=False))
    assert len(single.tool_calls) == 1


def test_allowed_tools_restricts_and_sets_the_mode() -> None:
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "required",
            "tools": [{"type": "function", "function": {"name": "magic_function"}}],
        },
    }
    generation = generate(user("weather please", tools=[WEATHER, MAGIC], tool_choice=choice))
    assert names_of(generation) == ["magic_function"]


def test_unicode_arguments_are_not_escaped() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "unicode_customer",
            "description": "Tool for creating a customer with Unicode name.",
            "parameters": {
                "type": "object",
                "properties": {
                    "customer_name": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["customer_name", "description"],
            },
        },
    }
    prompt = "Create a customer named '你好啊集团' (Hello Group) - a Chinese technology company"
    generation = generate(user(prompt, tools=[tool], tool_choice="required"))
    assert "你好啊集团" in generation.tool_calls[0]["arguments"]
    assert args_of(generation)["customer_name"] == "你好啊集团"


def test_few_shot_history_then_new_question() -> None:
    body = tool_turn("What is 1 + 2", "my_adder_tool", '{"result": 3}', tools=[ADDER])
    body["messages"] += [
        {"role": "assistant", "content": '{"result": 3}'},
        {"role": "user", "content": "What is 3 + 4"},
    ]
    body["tool_choice"] = "required"
    assert args_of(generate(body)) == {"a": 3, "b": 4}


class Nested(BaseModel):
    title: str
    count: int = Field(ge=1, le=5)
    tags: list[str] = Field(min_length=1)
    owner: dict[str, str]


def test_arguments_validate_against_pydantic_tool_schemas() -> None:
    schema = Nested.model_json_schema()
    tool = {"type": "function", "function": {"name": "Nested", "parameters": schema}}
    generation = generate(user("make 9 of them", tools=[tool], tool_choice="required"))
    Nested.model_validate(args_of(generation))
    jsonschema.validate(args_of(generation), schema)


# --- after tool results -----------------------------------------------------------------------


def test_after_tool_results_the_answer_quotes_them() -> None:
    body = tool_turn("What is the weather in SF?", "get_weather", "It's sunny.", tools=[WEATHER])
    generation = generate(body)
    assert generation.tool_calls == []
    assert "It's sunny." in text_of(generation)


def test_after_tool_results_required_still_calls() -> None:
    body = tool_turn("What is the weather in SF?", "get_weather", "sunny", tools=[WEATHER])
    body["tool_choice"] = "required"
    assert names_of(generate(body)) == ["get_weather"]


def test_after_tool_results_a_named_but_uncalled_tool_is_called() -> None:
    prompt = "What is the weather in Rome and the magic_function of 4?"
    body = tool_turn(prompt, "get_weather", "sunny", tools=[WEATHER, MAGIC])
    generation = generate(body)
    assert names_of(generation) == ["magic_function"]
    assert args_of(generation) == {"input": 4}


def test_handoff_goes_to_the_agent_the_request_asks_for() -> None:
    agents = {"WriteAgent": "Writes a report on a topic.", "ReviewAgent": "Reviews a report."}
    handoff = {
        "type": "function",
        "function": {
            "name": "handoff",
            "description": "Useful for handing off to another agent.\n"
            f"Currently available agents:\n{agents}\n",
            "parameters": {
                "type": "object",
                "properties": {"to_agent": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["to_agent", "reason"],
            },
        },
    }
    generation = generate(user("Please review my report", tools=[WEATHER, handoff]))
    assert names_of(generation) == ["handoff"]
    assert args_of(generation)["to_agent"] == "ReviewAgent"
    assert args_of(generation)["reason"]


# --- structured output ------------------------------------------------------------------------


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


def test_json_schema_response_format_validates() -> None:
    schema = {**Joke.model_json_schema(), "additionalProperties": False}
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "Joke", "strict": True, "schema": schema},
    }
    generation = generate(user("Tell me a joke about cats.", response_format=response_format))
    value = json.loads(text_of(generation))
    jsonschema.validate(value, schema)
    assert value["setup"] != value["punchline"]


def test_json_object_uses_the_keys_the_prompt_names() -> None:
    prompt = "Tell me a joke. Return a JSON with 'setup' and 'punchline' keys."
    generation = generate(user(prompt, response_format={"type": "json_object"}))
    assert set(json.loads(text_of(generation))) == {"setup", "punchline"}


def test_json_object_without_keys_is_still_an_object() -> None:
    generation = generate(user("Hello", response_format={"type": "json_object"}))
    assert isinstance(json.loads(text_of(generation)), dict)


def test_schema_quoted_in_the_prompt_is_followed() -> None:
    from llama_index.core.output_parsers import PydanticOutputParser

    prompt = PydanticOutputParser(Joke).format("Tell me a joke about dogs.")
    prompt = prompt.replace("{{", "{").replace("}}", "}")  # what the template renders
    Joke.model_validate_json(text_of(generate(user(prompt))))


# --- LlamaIndex text-protocol agents ----------------------------------------------------------


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def react_body(question: str, steps: list[tuple[str, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    from llama_index.core.agent.react.formatter import ReActChatFormatter
    from llama_index.core.llms import ChatMessage
    from llama_index.core.tools import FunctionTool

    tools = [FunctionTool.from_defaults(add), FunctionTool.from_defaults(multiply)]
    formatted = ReActChatFormatter.from_defaults().format(
        tools, [ChatMessage(role="user", content=question)]
    )
    messages = [{"role": m.role.value, "content": m.content} for m in formatted]
    messages += [{"role": role, "content": text} for role, text in steps]
    return {"model": "openai/gpt-5.4-nano", "messages": messages}


def test_react_prompt_gets_a_parsable_action() -> None:
    from llama_index.core.agent.react.output_parser import ReActOutputParser

    output = text_of(generate(react_body("Please multiply 4 and 5")))
    step = ReActOutputParser().parse(output)
    assert step.action == "multiply"  # type: ignore[attr-defined]
    assert step.action_input == {"a": 4, "b": 5}  # type: ignore[attr-defined]


def test_react_answers_after_the_observation() -> None:
    from llama_index.core.agent.react.output_parser import ReActOutputParser

    first = text_of(generate(react_body("Please multiply 4 and 5")))
    body = react_body(
        "Please multiply 4 and 5", [("assistant", first), ("user", "Observation: 20")]
    )
    step = ReActOutputParser().parse(text_of(generate(body)))
    assert step.is_done
    assert "20" in step.response  # type: ignore[attr-defined]


def test_react_without_a_matching_tool_answers_directly() -> None:
    from llama_index.core.agent.react.output_parser import ReActOutputParser

    step = ReActOutputParser().parse(text_of(generate(react_body("Respond with 'ok'"))))
    assert step.is_done
    assert step.response == "ok"  # type: ignore[attr-defined]


def codeact_body(question: str, steps: list[tuple[str, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    from llama_index.core.agent.workflow.codeact_agent import CodeActAgent
    from llama_index.core.llms import MockLLM
    from llama_index.core.tools import FunctionTool

    agent = CodeActAgent(code_execute_fn=lambda code: {}, tools=[add, multiply], llm=MockLLM())
    tools = [FunctionTool.from_defaults(add), FunctionTool.from_defaults(multiply)]
    system = agent.code_act_system_prompt.format(
        tool_descriptions=agent._get_tool_descriptions(tools)
    )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    messages += [{"role": role, "content": text} for role, text in steps]
    return {"model": "openai/gpt-5.4-nano", "messages": messages}


def test_codeact_prompt_gets_executable_code() -> None:
    output = text_of(generate(codeact_body("Use add on 7 and 8")))
    code = re.search(r"<execute>(.*?)</execute>", output, re.DOTALL)
    assert code is not None
    printed: list[Any] = []
    exec(code.group(1), {"add": add, "multiply": multiply, "print": printed.append})
    assert printed == [15]


def test_codeact_answers_after_the_execution_result() -> None:
    first = text_of(generate(codeact_body("Use add on 7 and 8")))
    steps = [("assistant", first), ("user", "Result of executing the code given:\n\n15\n")]
    output = text_of(generate(codeact_body("Use add on 7 and 8", steps)))
    assert "<execute>" not in output
    assert "15" in output


def test_say_inside_a_question_is_not_an_instruction() -> None:
    assert "What did I say earlier?" in text_of(generate(user("What did I say earlier?")))


def test_required_after_results_moves_on_to_an_uncalled_tool() -> None:
    # LangChain's ToolStrategy forces "any" on every turn; its output tool must come next.
    report = {
        "type": "function",
        "function": {
            "name": "Report",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "summary": {"type": "string"}},
                "required": ["city", "summary"],
            },
        },
    }
    body = tool_turn("Weather in Paris?", "get_weather", "Sunny, 21 C", tools=[WEATHER, report])
    body["tool_choice"] = "required"
    generation = generate(body)
    assert names_of(generation) == ["Report"]
    assert args_of(generation)["city"] == "Paris"


def test_retrieval_prompt_echoes_the_query_not_the_context() -> None:
    prompt = (
        "Context information is below.\n---------------------\nfile_path: a.txt\n\nLong text.\n"
        "---------------------\nGiven the context information and not prior knowledge, "
        "answer the query.\nQuery: Who wrote it?\nAnswer: "
    )
    answer = text_of(generate(user(prompt)))
    assert "Who wrote it?" in answer
    assert "file_path" not in answer


def test_parallel_calls_take_the_next_numbers_in_mention_order() -> None:
    def tool(name: str) -> dict[str, Any]:
        return json.loads(json.dumps(ADDER).replace("my_adder_tool", name))

    body = user("Add 2 and 3, and multiply 4 by 5", tools=[tool("multiply"), tool("add")])
    generation = generate(body)
    assert names_of(generation) == ["add", "multiply"]
    assert [args_of(generation, i) for i in (0, 1)] == [{"a": 2, "b": 3}, {"a": 4, "b": 5}]


def test_name_properties_take_a_proper_noun() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    response_format = {"type": "json_schema", "json_schema": {"name": "P", "schema": schema}}
    body = user("Extract the person from: Ada Lovelace is 36", response_format=response_format)
    assert json.loads(text_of(generate(body))) == {"name": "Ada Lovelace"}


def test_schema_quoted_with_doubled_braces_is_followed() -> None:
    prompt = (
        "Extract the person from: Ada is 36\n\nHere's a JSON schema to follow:\n"
        '{{"properties": {{"name": {{"type": "string"}}, "age": {{"type": "integer"}}}}, '
        '"required": ["name", "age"], "type": "object"}}\n\nOutput a valid JSON object.'
    )
    assert json.loads(text_of(generate(user(prompt)))) == {"name": "Ada", "age": 36}


ODD_VALUES: list[Any] = [
    None,
    "",
    "x",
    0,
    0.5,
    -1,
    True,
    [],
    {},
    [1, "a", None],
    {"type": 5},
    {"type": "json_schema"},
    {"type": "json_schema", "json_schema": {"schema": {"type": ["null"]}}},
    {"type": "function", "function": {"name": "f", "parameters": "nope"}},
    {"type": "function", "function": {"name": "f", "parameters": {"$ref": "#/missing"}}},
    {"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": "all"}},
    [{"type": "image_url", "image_url": {"url": "data:,"}}, {"type": "text", "text": "[[refuse]]"}],
]


@pytest.mark.parametrize("seed", range(60))
def test_odd_request_shapes_never_raise(seed: int) -> None:
    import random

    rng = random.Random(seed)
    body: dict[str, Any] = user("What is the weather in Paris? Say 'hi'", tools=[WEATHER])
    for key in ("tools", "tool_choice", "response_format", "stop", "max_tokens"):
        if rng.random() < 0.5:
            value = rng.choice(ODD_VALUES)
            body[key] = [value, WEATHER] if key == "tools" else value
    messages = body["messages"]
    for _ in range(rng.randrange(4)):
        role = rng.choice(["system", "developer", "user", "assistant", "tool"])
        messages.insert(
            rng.randrange(len(messages) + 1), {"role": role, "content": rng.choice(ODD_VALUES)}
        )
    generation = generate(body)
    assert generation.finish_reason in {"stop", "length", "tool_calls"}
    assert (
        generation.pieces
        or generation.tool_calls
        or generation.refusal
        or body.get("stop")
        or body.get("max_tokens")
    )


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [("What is 2 + 3?", "add"), ("What is 4 times 5?", "multiply"), ("7 * 6 = ?", "multiply")],
)
def test_arithmetic_requests_find_arithmetic_tools(prompt: str, expected: str) -> None:
    def tool(name: str) -> dict[str, Any]:
        return json.loads(json.dumps(ADDER).replace("my_adder_tool", name))

    generation = generate(user(prompt, tools=[tool("add"), tool("multiply")]))
    assert names_of(generation) == [expected]
    assert list(args_of(generation).values()) == [int(n) for n in re.findall(r"\d+", prompt)]


def _standard_suite_tools() -> dict[str, Any]:
    """The tools of LangChain's standard integration suite, converted the way adapters do."""
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from langchain_tests.integration_tests import chat_models as suite

    return {
        name: convert_to_openai_tool(getattr(suite, name))
        for name in ("magic_function", "magic_function_no_args", "unicode_customer")
    }


@pytest.mark.parametrize(
    ("tool", "prompt", "expected"),
    [
        ("magic_function", "What is the value of magic_function(3)? Use the tool.", {"input": 3}),
        ("magic_function_no_args", "What is the value of magic_function_no_args()?", {}),
    ],
)
def test_langchain_standard_suite_tools_get_the_expected_arguments(
    tool: str, prompt: str, expected: dict[str, Any]
) -> None:
    spec = _standard_suite_tools()[tool]
    generation = generate(user(prompt, tools=[spec], tool_choice="required"))
    assert names_of(generation) == [tool]
    assert args_of(generation) == expected


@pytest.mark.parametrize(
    ("name", "fragment"), [("'你好啊集团'", "你好"), ("'こんにちは株式会社'", "こんにちは")]
)
def test_langchain_unicode_customer_keeps_the_raw_name(name: str, fragment: str) -> None:
    spec = _standard_suite_tools()["unicode_customer"]
    prompt = f"Create a customer named {name} (Hello Group) - a technology company"
    generation = generate(user(prompt, tools=[spec], tool_choice="required"))
    assert fragment in args_of(generation)["customer_name"]
    assert fragment in generation.tool_calls[0]["arguments"]
    jsonschema.validate(args_of(generation), spec["function"]["parameters"])


def test_a_long_prompt_with_many_tools_is_answered_quickly() -> None:
    import time

    long_text = "The quick brown fox jumps over 12 lazy dogs in Paris. " * 2000
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(20)}}
    tools = [
        {"type": "function", "function": {"name": f"t{i}_weather", "parameters": schema}}
        for i in range(10)
    ]
    started = time.perf_counter()
    generation = generate(user(long_text + " weather?", tools=tools))
    assert len(generation.tool_calls) == 10
    assert (
        time.perf_counter() - started < 5
    )  # per-tool x per-property regex scans once took seconds


def test_json_object_reads_an_unquoted_key_list() -> None:
    body = user(
        "Return JSON with keys city, country and population",
        response_format={"type": "json_object"},
    )
    assert list(json.loads(text_of(generate(body)))) == ["city", "country", "population"]
