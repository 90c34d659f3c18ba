"""Per-call keyword arguments and ``additional_kwargs``: known ones reach the wire on every
endpoint, unknown ones are refused with close matches before anything is sent (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.tools import FunctionTool

from gpt54nano_gateway import ConfigurationError
from llama_index_gpt54nano import GPT54Nano
from llama_index_gpt54nano._arguments import REQUEST_PARAMETERS

USER = [ChatMessage(role="user", content="Say hi")]

# GPT-5 parameters ChatRequest declares (every one a different type / check).
CALL = {
    "verbosity": "low",
    "prompt_cache_retention": "24h",
    "safety_identifier": "user-1234",
    "store": False,
    "service_tier": "flex",
    "reasoning_effort": "none",
}
ADDITIONAL = {"prompt_cache_key": "docs-v1", "seed": 7, "verbosity": "high"}


async def _adrain(result: Any) -> list[Any]:
    return [item async for item in result]


def _call(llm: GPT54Nano, endpoint: str, **kwargs: Any) -> tuple[Any, Any]:
    """(sync thunk, async thunk) for one of the eight endpoints, streams drained."""
    if endpoint == "chat":
        return lambda: llm.chat(USER, **kwargs), lambda: llm.achat(USER, **kwargs)
    if endpoint == "stream_chat":

        async def astream_chat() -> list[Any]:
            return await _adrain(await llm.astream_chat(USER, **kwargs))

        return lambda: list(llm.stream_chat(USER, **kwargs)), astream_chat
    if endpoint == "complete":
        return lambda: llm.complete("Say hi", **kwargs), lambda: llm.acomplete("Say hi", **kwargs)

    async def astream_complete() -> list[Any]:
        return await _adrain(await llm.astream_complete("Say hi", **kwargs))

    return lambda: list(llm.stream_complete("Say hi", **kwargs)), astream_complete


ENDPOINTS = ["chat", "stream_chat", "complete", "stream_complete"]


@pytest.fixture
def make_llm(emulator: Any) -> Callable[..., GPT54Nano]:
    def make(**kwargs: Any) -> GPT54Nano:
        return GPT54Nano(
            account_id=emulator.account_id,
            api_key=emulator.api_token,
            base_url=emulator.base_url,
            **kwargs,
        )

    return make


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_call_and_additional_kwargs_reach_the_wire(
    make_llm: Callable[..., GPT54Nano], bodies: Any, run_io: Callable[..., Any], endpoint: str
) -> None:
    llm = make_llm(additional_kwargs={**ADDITIONAL, "extra_body": {"user": "u-1"}})
    sync_fn, async_fn = _call(llm, endpoint, **CALL, extra_body={"top_p": 0.5})
    run_io(sync_fn, async_fn)
    body = bodies()[-1]
    sent = {key: body[key] for key in body if key not in ("messages", "stream", "stream_options")}
    # The call wins over additional_kwargs (verbosity); extra_body keys ride along unvalidated.
    assert sent == {
        "model": "openai/gpt-5.4-nano",
        **ADDITIONAL,
        **CALL,
        "user": "u-1",
        "top_p": 0.5,
    }
    assert ("stream" in body) == endpoint.startswith("stream")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_misspelt_call_argument_is_refused_before_sending(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any], endpoint: str
) -> None:
    sync_fn, async_fn = _call(llm, endpoint, verbocity="low", prompt_cache_kay="k")
    with pytest.raises(ConfigurationError) as caught:
        run_io(sync_fn, async_fn)
    assert str(caught.value) == (
        "GPT54Nano call got unknown arguments 'prompt_cache_kay' (did you mean "
        "'prompt_cache_key' or 'prompt_cache_retention'?), 'verbocity' (did you mean "
        "'verbosity'?); per-call keyword "
        "arguments are request parameters (those of gpt54nano_gateway.ChatRequest), "
        "gateway_options, tools_with_reasoning, or extra_body={...} for a parameter the "
        "transport does not declare"
    )
    assert emulator.requests == []


def test_a_stream_refuses_at_the_call_not_at_the_first_chunk(
    llm: GPT54Nano, run_io: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigurationError, match="'verbocity'"):  # the stream is not iterated
        run_io(
            lambda: llm.stream_chat(USER, verbocity="low"),
            lambda: llm.astream_chat(USER, verbocity="low"),
        )


def test_unknown_additional_kwargs_are_refused_at_construction_and_at_the_call(
    make_llm: Callable[..., GPT54Nano], emulator: Any, run_io: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_llm(additional_kwargs={"prompt_cache_keys": "k"})
    assert str(caught.value) == (
        "GPT54Nano additional_kwargs got unknown argument 'prompt_cache_keys' (did you mean "
        "'prompt_cache_key' or 'prompt_cache_retention'?); additional_kwargs holds request "
        "parameters (those of "
        "gpt54nano_gateway.ChatRequest); a parameter the transport does not declare goes in "
        "additional_kwargs={'extra_body': {...}}"
    )
    llm = make_llm()
    llm.additional_kwargs["verbose"] = True  # a framework switch is no body parameter
    with pytest.raises(ConfigurationError, match="'verbose'"):
        run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    assert emulator.requests == []


def test_extra_body_must_be_a_mapping(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    kwargs = {"extra_body": ["user", "u-1"]}
    with pytest.raises(ConfigurationError, match="extra_body must be a mapping"):
        run_io(lambda: llm.chat(USER, **kwargs), lambda: llm.achat(USER, **kwargs))
    assert emulator.requests == []


def test_a_bad_value_is_refused_by_the_request_model_before_sending(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    kwargs = {"verbosity": "loud"}
    with pytest.raises(ValueError, match="verbosity"):
        run_io(lambda: llm.chat(USER, **kwargs), lambda: llm.achat(USER, **kwargs))
    assert emulator.requests == []


def test_llama_index_framework_arguments_are_accepted_and_not_sent(
    llm: GPT54Nano, bodies: Any, run_io: Callable[..., Any]
) -> None:
    framework = {
        "formatted": True,
        "verbose": True,
        "allow_parallel_tool_calls": True,
        "tool_required": False,
        "strict": False,
        "error_on_no_tool_call": False,
        "error_on_tool_error": False,
    }
    run_io(lambda: llm.chat(USER, **framework), lambda: llm.achat(USER, **framework))
    assert set(bodies()[-1]) == {"model", "messages"}


def test_call_arguments_ride_along_chat_with_tools_and_predict_and_call(
    llm: GPT54Nano, bodies: Any, run_io: Callable[..., Any]
) -> None:
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    tools = [FunctionTool.from_defaults(fn=add)]
    kwargs = {"verbosity": "low", "prompt_cache_key": "tools-v1", "verbose": True}
    run_io(
        lambda: llm.chat_with_tools(tools, user_msg="add 2 and 3", **kwargs),
        lambda: llm.achat_with_tools(tools, user_msg="add 2 and 3", **kwargs),
    )
    run_io(
        lambda: llm.predict_and_call(tools, user_msg="add 2 and 3", **kwargs),
        lambda: llm.apredict_and_call(tools, user_msg="add 2 and 3", **kwargs),
    )
    for body in bodies():
        assert (body["verbosity"], body["prompt_cache_key"]) == ("low", "tools-v1")
        assert body["tool_choice"] == "auto" and body["parallel_tool_calls"] is False
        assert "verbose" not in body


def test_the_request_parameters_are_the_transports() -> None:
    assert {"verbosity", "prompt_cache_key", "prompt_cache_retention", "safety_identifier"} <= (
        REQUEST_PARAMETERS
    )
    assert {"store", "service_tier", "reasoning_effort", "tools", "tool_choice"} <= (
        REQUEST_PARAMETERS
    )
    assert not {"messages", "stream", "stream_options"} & REQUEST_PARAMETERS
