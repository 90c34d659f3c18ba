"""GPT54Nano's endpoints, request parameters, tools, configuration and secrets, on the emulator."""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.llms.function_calling import FunctionCallingLLM, _supports_tool_required
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import Field

from gpt54nano_emulator import Fault, Reply
from gpt54nano_gateway import (
    AsyncGatewayClient,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayOptions,
    StreamTruncatedError,
)
from llama_index_gpt54nano import GPT54Nano, UnsupportedContentError
from llama_index_gpt54nano._convert import to_wire_messages

ANSWER = "the quick brown fox jumps over the lazy dog"
USER = [ChatMessage(role="user", content=f'Reply with "{ANSWER}"')]
PROMPT = 'Reply with "pong and ping"'


async def _drain(coro: Any) -> list[Any]:
    return [item async for item in await coro]


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


TOOLS = [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=multiply)]


def test_is_a_function_calling_llm_with_catalog_metadata(llm: GPT54Nano) -> None:
    assert BaseLLM.__name__ in [cls.__name__ for cls in GPT54Nano.__mro__]
    assert isinstance(llm, FunctionCallingLLM)
    meta = llm.metadata
    assert (meta.context_window, meta.num_output) == (128_000, 16_384)
    assert meta.is_chat_model and meta.is_function_calling_model
    assert meta.model_name == "openai/gpt-5.4-nano"
    assert GPT54Nano(api_key="k", account_id="a", max_tokens=500).metadata.num_output == 500


# --- the eight endpoints -----------------------------------------------------------------------


def test_chat(llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any) -> None:
    response = run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    assert response.message.content == ANSWER
    assert response.additional_kwargs["total_tokens"] > 0
    gateway = response.additional_kwargs["gateway"]
    assert gateway["log_id"] and gateway["ray_id"] and gateway["status_code"] == 200
    assert response.raw.model_dump()["choices"][0]["message"]["content"]
    body = bodies()[-1]
    assert body["model"] == "openai/gpt-5.4-nano"
    assert "temperature" not in body and "stream" not in body


def test_stream_chat_is_cumulative(llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any) -> None:
    chunks = run_io(lambda: list(llm.stream_chat(USER)), lambda: _drain(llm.astream_chat(USER)))
    assert len(chunks) > 3
    final = chunks[-1].message.content
    assert final == ANSWER
    assert "".join(c.delta for c in chunks) == final
    for earlier, later in itertools.pairwise(chunks):
        assert later.message.content.startswith(earlier.message.content)
    assert chunks[-1].additional_kwargs["total_tokens"] > 0  # the usage chunk comes last
    assert chunks[-1].additional_kwargs["gateway"]["log_id"]
    assert bodies()[-1]["stream"] is True


def test_complete(llm: GPT54Nano, run_io: Callable[..., Any]) -> None:
    response = run_io(lambda: llm.complete(PROMPT), lambda: llm.acomplete(PROMPT))
    assert response.text == "pong and ping"
    assert response.additional_kwargs["prompt_tokens"] > 0


def test_stream_complete(llm: GPT54Nano, run_io: Callable[..., Any]) -> None:
    chunks = run_io(
        lambda: list(llm.stream_complete(PROMPT)), lambda: _drain(llm.astream_complete(PROMPT))
    )
    assert chunks[-1].text == "pong and ping"
    assert "".join(c.delta for c in chunks) == chunks[-1].text


def test_reasoning_tokens_are_reported(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    # The emulator, like OpenAI's Chat Completions for GPT-5, sends no reasoning *text*, only
    # its token count; the ThinkingBlock path is covered by test_convert's stream tests.
    emulator.queue_reply(Reply(content="42", reasoning="six times seven"))
    emulator.queue_reply(Reply(content="42", reasoning="six times seven"))
    answer = run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    chunks = run_io(lambda: list(llm.stream_chat(USER)), lambda: _drain(llm.astream_chat(USER)))
    for response in (answer, chunks[-1]):
        assert response.message.content == "42"
        assert response.additional_kwargs["reasoning_tokens"] > 0
        assert not any(isinstance(b, ThinkingBlock) for b in response.message.blocks)


# --- request parameters ------------------------------------------------------------------------


def test_parameters_reach_the_wire_by_the_gpt5_rules(
    emulator: Any, bodies: Any, run_io: Callable[..., Any]
) -> None:
    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        max_tokens=64,
        reasoning_effort="low",
        additional_kwargs={"seed": 7},
        gateway_options=GatewayOptions(cache_ttl=120, metadata={"team": "docs"}),
    )
    kwargs: dict[str, Any] = {
        "stop": ["zzz"],
        "verbose": True,
        "gateway_options": GatewayOptions(cache_ttl=300),
    }
    run_io(lambda: llm.chat(USER, **kwargs), lambda: llm.achat(USER, **kwargs))
    body = bodies()[-1]
    assert body["max_completion_tokens"] == 64 and "max_tokens" not in body
    assert body["reasoning_effort"] == "low" and body["seed"] == 7 and body["stop"] == ["zzz"]
    assert "verbose" not in body
    headers = emulator.requests[-1].headers
    assert headers["cf-aig-cache-ttl"] == "300"  # per call wins
    assert json.loads(headers["cf-aig-metadata"]) == {"team": "docs"}


def test_temperature_is_dropped_with_a_warning_unless_reasoning_is_off(
    emulator: Any, bodies: Any, run_io: Callable[..., Any]
) -> None:
    common = {"account_id": emulator.account_id, "api_key": emulator.api_token}
    llm = GPT54Nano(base_url=emulator.base_url, temperature=0.2, **common)
    with pytest.warns(UserWarning, match="temperature"):
        run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    assert "temperature" not in bodies()[-1]
    llm = GPT54Nano(base_url=emulator.base_url, temperature=0.2, reasoning_effort="none", **common)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    assert bodies()[-1]["temperature"] == 0.2


def test_unsupported_block_fails_before_sending(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    messages = [ChatMessage(role="user", blocks=[VideoBlock(video=b"\x00")])]
    with pytest.raises(UnsupportedContentError, match="VideoBlock"):
        run_io(lambda: llm.chat(messages), lambda: llm.achat(messages))
    with pytest.raises(UnsupportedContentError):  # at the call, not at the first next()
        run_io(lambda: llm.stream_chat(messages), lambda: llm.astream_chat(messages))
    assert emulator.requests == []


def test_out_of_range_parameter_fails_before_sending(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    with pytest.raises(ValueError, match="top_p"):
        run_io(lambda: llm.chat(USER, top_p=3), lambda: llm.achat(USER, top_p=3))
    assert emulator.requests == []


def test_image_input_reaches_the_wire(
    llm: GPT54Nano, bodies: Any, run_io: Callable[..., Any]
) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89"
        b"\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    message = ChatMessage(role="user", blocks=[ImageBlock(image=png), *USER[0].blocks])
    assert run_io(lambda: llm.chat([message]), lambda: llm.achat([message])).message.content
    parts = bodies()[-1]["messages"][0]["content"]
    assert parts[0]["image_url"]["url"].startswith("data:image/png;base64,")


# --- tools -------------------------------------------------------------------------------------


def test_chat_with_tools_and_the_second_turn(
    llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any
) -> None:
    question = "Please add 2 and 3"
    response = run_io(
        lambda: llm.chat_with_tools(TOOLS, user_msg=question),
        lambda: llm.achat_with_tools(TOOLS, user_msg=question),
    )
    calls = llm.get_tool_calls_from_response(response)
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == [("add", {"a": 2, "b": 3})]
    first = bodies()[-1]
    assert first["tool_choice"] == "auto" and first["parallel_tool_calls"] is False
    assert [t["function"]["name"] for t in first["tools"]] == ["add", "multiply"]

    history = [
        ChatMessage(role="user", content=question),
        response.message,
        ChatMessage(role="tool", content="5", additional_kwargs={"tool_call_id": calls[0].tool_id}),
    ]
    final = run_io(
        lambda: llm.chat_with_tools(TOOLS, chat_history=history),
        lambda: llm.achat_with_tools(TOOLS, chat_history=history),
    )
    assert "5" in final.message.content
    assert llm.get_tool_calls_from_response(final, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError, match="0 tool calls"):
        llm.get_tool_calls_from_response(final)
    wire = bodies()[-1]["messages"]
    assert wire[1]["content"] is None and wire[1]["tool_calls"][0]["id"] == calls[0].tool_id
    assert wire[2] == {"role": "tool", "tool_call_id": calls[0].tool_id, "content": "5"}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "auto"),
        ({"tool_required": True}, "required"),
        ({"tool_choice": "none"}, "none"),
        ({"tool_choice": "multiply"}, {"type": "function", "function": {"name": "multiply"}}),
        (
            {"tool_choice": {"type": "function", "function": {"name": "add"}}},
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_tool_choice_on_the_wire(
    llm: GPT54Nano, bodies: Any, kwargs: dict[str, Any], expected: Any, run_io: Callable[..., Any]
) -> None:
    question = "what is 6 times 7"
    run_io(
        lambda: llm.chat_with_tools(TOOLS, user_msg=question, **kwargs),
        lambda: llm.achat_with_tools(TOOLS, user_msg=question, **kwargs),
    )
    assert bodies()[-1]["tool_choice"] == expected


def test_strict_tools(llm: GPT54Nano, bodies: Any, run_io: Callable[..., Any]) -> None:
    run_io(
        lambda: llm.chat_with_tools(TOOLS, user_msg="add 1 and 2", strict=True),
        lambda: llm.achat_with_tools(TOOLS, user_msg="add 1 and 2", strict=True),
    )
    function = bodies()[-1]["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False


def test_streamed_tool_calls_are_complete_on_every_chunk(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    emulator.queue_reply(
        Reply(
            tool_calls=[
                {"name": "add", "arguments": {"a": 2, "b": 3, "note": "x" * 200}},
                {"name": "multiply", "arguments": {"a": 6, "b": 7}},
            ]
        )
    )
    question = "add 2 and 3, multiply 6 by 7"
    chunks = run_io(
        lambda: list(
            llm.stream_chat_with_tools(TOOLS, user_msg=question, allow_parallel_tool_calls=True)
        ),
        lambda: _drain(
            llm.astream_chat_with_tools(TOOLS, user_msg=question, allow_parallel_tool_calls=True)
        ),
    )
    assert len(chunks) > 2
    for chunk in chunks:  # what FunctionAgent does on every chunk: never raises
        llm.get_tool_calls_from_response(chunk, error_on_no_tool_call=False)
        blocks = [b for b in chunk.message.blocks if isinstance(b, ToolCallBlock)]
        assert len(blocks) == len(chunk.message.additional_kwargs.get("tool_calls", []))
    final = llm.get_tool_calls_from_response(chunks[-1])
    assert [(c.tool_name, c.tool_kwargs.get("a")) for c in final] == [("add", 2), ("multiply", 6)]
    assert final[0].tool_id != final[1].tool_id


def test_predict_and_call(llm: GPT54Nano, run_io: Callable[..., Any]) -> None:
    result = run_io(
        lambda: llm.predict_and_call(TOOLS, user_msg="multiply 6 and 7"),
        lambda: llm.apredict_and_call(TOOLS, user_msg="multiply 6 and 7"),
    )
    assert result.response == "42"


# --- configuration, clients, secrets ------------------------------------------------------------


def test_credentials_from_the_environment(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, bodies: Any, run_io: Callable[..., Any]
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", emulator.account_id)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", emulator.api_token)
    llm = GPT54Nano(base_url=emulator.base_url)
    assert run_io(lambda: llm.chat(USER), lambda: llm.achat(USER)).message.content
    assert len(bodies()) == 1


def test_a_shared_config_and_shared_clients(emulator: Any, run_io: Callable[..., Any]) -> None:
    config = GatewayConfig(
        account_id=emulator.account_id, api_token=emulator.api_token, base_url=emulator.base_url
    )
    client, aclient = GatewayClient(config), AsyncGatewayClient(config)
    llm = GPT54Nano(client=client, async_client=aclient)
    assert llm.gateway_config is config
    assert run_io(lambda: llm.chat(USER), lambda: llm.achat(USER)).message.content
    assert llm._get_client() is client and llm._get_aclient() is aclient
    # Fields on top of a config re-validate it (the URL is derived from them).
    gw = GPT54Nano(config=config, endpoint="gateway", base_url=emulator.gateway_base_url)
    assert gw.gateway_config.chat_completions_url.endswith("/default/compat/chat/completions")
    assert gw.chat(USER).message.content


def test_clients_are_created_lazily_and_reused(
    llm: GPT54Nano, io_mode: str, run_io: Callable[..., Any]
) -> None:
    assert llm._client is None and llm._aclient is None
    run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    used, unused = ("_client", "_aclient") if io_mode == "sync" else ("_aclient", "_client")
    first = getattr(llm, used)
    run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    assert first is not None and getattr(llm, used) is first
    assert getattr(llm, unused) is None


def test_no_secret_in_serialisation_repr_events_or_errors(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "tok-SECRET-1234567890"
    llm = GPT54Nano(account_id=emulator.account_id, api_key=secret, base_url=emulator.base_url)
    assert llm.gateway_config.api_token.get_secret_value() == secret
    for text in (llm.to_json(), repr(llm), str(llm), json.dumps(llm.to_payload())):
        assert secret not in text
    assert "api_key" not in json.loads(llm.to_json())
    with pytest.raises(AuthenticationError) as info:
        llm.chat(USER)
    assert secret not in str(info.value) and secret not in repr(info.value)
    # The token is not in the JSON: a rebuilt model reads it from the environment again.
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", emulator.api_token)
    assert GPT54Nano.from_json(llm.to_json()).model == llm.model


# --- instrumentation ---------------------------------------------------------------------------


class _Recorder(BaseEventHandler):
    events: list[str] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "Recorder"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(type(event).__name__)


@pytest.fixture
def recorder() -> Any:
    root = get_dispatcher()
    handler = _Recorder(events=[])
    root.add_event_handler(handler)
    yield handler
    root.event_handlers.remove(handler)


def test_instrumentation_events_fire(
    llm: GPT54Nano, recorder: Any, run_io: Callable[..., Any]
) -> None:
    run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    run_io(lambda: list(llm.stream_chat(USER)), lambda: _drain(llm.astream_chat(USER)))
    run_io(lambda: llm.complete("hi"), lambda: llm.acomplete("hi"))
    events = recorder.events
    assert events.count("LLMChatStartEvent") == 2 and events.count("LLMChatEndEvent") == 2
    assert "LLMChatInProgressEvent" in events
    assert events.count("LLMCompletionStartEvent") == 1
    assert events.count("LLMCompletionEndEvent") == 1


# --- gateway behaviour seen through the adapter --------------------------------------------------


def test_cache_status_and_log_id_reach_the_response(
    emulator: Any, run_io: Callable[..., Any]
) -> None:
    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        gateway_options=GatewayOptions(cache_ttl=600),
    )
    first = run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    second = run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    assert first.additional_kwargs["gateway"]["cache_status"] == "MISS"
    assert second.additional_kwargs["gateway"]["cache_status"] == "HIT"
    assert second.message.content == first.message.content == ANSWER


def test_gateway_errors_surface_typed_in_chat_and_stream(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    emulator.plan_faults(Fault(kind="status", status=400, code=2001), next_n=2)
    with pytest.raises(BadRequestError):
        run_io(lambda: llm.chat(USER), lambda: llm.achat(USER))
    with pytest.raises(BadRequestError):
        run_io(lambda: list(llm.stream_chat(USER)), lambda: _drain(llm.astream_chat(USER)))


def test_a_cut_stream_raises_with_the_partial_answer(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    emulator.plan_faults(Fault(kind="cut", after=4), next_n=1)
    seen: list[Any] = []

    def sync() -> None:
        for chunk in llm.stream_chat(USER):
            seen.append(chunk)

    async def concurrent() -> None:
        async for chunk in await llm.astream_chat(USER):
            seen.append(chunk)

    with pytest.raises(StreamTruncatedError) as info:
        run_io(sync, concurrent)
    assert seen and ANSWER.startswith(seen[-1].message.content)
    assert info.value.partial is not None


def test_timeout_and_retries_map_to_the_transport_config(emulator: Any) -> None:
    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        timeout=12.5,
        max_retries=0,
    )
    config = llm.gateway_config
    timeouts = (config.connect_timeout, config.read_timeout, config.stream_idle_timeout)
    assert timeouts == (12.5, 12.5, 12.5) and config.max_retries == 0


def test_a_streamed_answer_survives_a_memory_json_round_trip(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    emulator.queue_reply(Reply(tool_calls=[{"name": "add", "arguments": {"a": 1, "b": 2}}]))
    chunks = run_io(
        lambda: list(llm.stream_chat_with_tools(TOOLS, user_msg="add 1 and 2")),
        lambda: _drain(llm.astream_chat_with_tools(TOOLS, user_msg="add 1 and 2")),
    )
    last = chunks[-1].message
    restored = ChatMessage.model_validate_json(last.model_dump_json())
    history = [USER[0], restored]
    assert llm.get_tool_calls_from_response(ChatResponse(message=restored))[0].tool_kwargs == {
        "a": 1,
        "b": 2,
    }
    assert to_wire_messages(history)[1] == to_wire_messages([USER[0], last])[1]


def test_missing_credentials_is_a_configuration_error_at_construction(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "CLOUDFLARE_ACCOUNT_ID",
        "CF_ACCOUNT_ID",
        "CLOUDFLARE_API_TOKEN",
        "CF_AI_API_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    # At construction, as in the LangChain adapter (gpt54nano_gateway.adapter_config).
    with pytest.raises(ConfigurationError, match=r"CLOUDFLARE_ACCOUNT_ID.*CLOUDFLARE_API_TOKEN"):
        GPT54Nano(base_url=emulator.base_url)
    assert emulator.requests == []


def test_tool_required_is_seen_by_core() -> None:
    # Without an explicit parameter core silently drops tool_required (reference trap 10).
    assert _supports_tool_required(GPT54Nano, True)


def test_one_tool_call_kept_when_parallel_calls_are_not_allowed(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any], bodies: Any
) -> None:
    calls = [
        {"name": "add", "arguments": {"a": 1, "b": 2}},
        {"name": "multiply", "arguments": {"a": 3, "b": 4}},
    ]
    emulator.queue_reply(Reply(tool_calls=calls))
    response = run_io(
        lambda: llm.chat_with_tools(TOOLS, user_msg="add and multiply"),
        lambda: llm.achat_with_tools(TOOLS, user_msg="add and multiply"),
    )
    assert bodies()[-1]["parallel_tool_calls"] is False
    assert [c.tool_name for c in llm.get_tool_calls_from_response(response)] == ["add"]
    assert len(response.message.additional_kwargs["tool_calls"]) == 1


def test_predict_and_stream_go_through_chat(
    llm: GPT54Nano, run_io: Callable[..., Any], bodies: Any
) -> None:
    template = PromptTemplate('Reply with "{word}"')

    async def astream() -> str:
        return "".join([token async for token in await llm.astream(template, word="maybe so")])

    answer = run_io(
        lambda: llm.predict(template, word="yes"), lambda: llm.apredict(template, word="yes")
    )
    assert answer == "yes"
    streamed = run_io(lambda: "".join(llm.stream(template, word="maybe so")), astream)
    assert streamed == "maybe so"
    assert bodies()[-1]["messages"] == [{"role": "user", "content": 'Reply with "maybe so"'}]


# --- GPT-5.4 reasoning_effort rules; GPT-5 parameters reach the wire ------------------------


def _weather() -> int:
    """Today's temperature."""
    return 21


def test_minimal_effort_is_refused_before_sending(
    llm: GPT54Nano, emulator: Any, run_io: Callable[..., Any]
) -> None:
    from gpt54nano_gateway.model_rules import UnsupportedReasoningEffortError

    kwargs = {"reasoning_effort": "minimal"}
    with pytest.raises(UnsupportedReasoningEffortError, match="'high' and 'xhigh'"):
        run_io(lambda: llm.chat(USER, **kwargs), lambda: llm.achat(USER, **kwargs))
    assert emulator.requests == []


def test_tools_with_effort_on_chat_completions_is_a_typed_error(
    emulator: Any, run_io: Callable[..., Any]
) -> None:
    from gpt54nano_gateway.model_rules import ToolsWithReasoningError

    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        reasoning_effort="medium",
        use_responses_api=False,  # by default this call takes the Responses API
    )
    tools = [FunctionTool.from_defaults(fn=_weather)]
    with pytest.raises(ToolsWithReasoningError, match="reasoning_effort='none'"):
        run_io(
            lambda: llm.chat_with_tools(tools, user_msg="weather?"),
            lambda: llm.achat_with_tools(tools, user_msg="weather?"),
        )
    assert emulator.requests == []


def test_drop_effort_policy_sends_tools_without_effort(
    emulator: Any, bodies: Any, run_io: Callable[..., Any]
) -> None:
    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        reasoning_effort="low",
        tools_with_reasoning="drop_effort",  # a choice of Chat Completions
    )
    tools = [FunctionTool.from_defaults(fn=_weather)]
    with pytest.warns(UserWarning, match="reasoning_effort='low' was not sent"):
        run_io(
            lambda: llm.chat_with_tools(tools, user_msg="weather?"),
            lambda: llm.achat_with_tools(tools, user_msg="weather?"),
        )
    body = bodies()[-1]
    assert "reasoning_effort" not in body and "tools_with_reasoning" not in body
    assert body["tools"][0]["function"]["name"] == "_weather"


def test_gpt5_parameters_reach_the_wire(
    emulator: Any, bodies: Any, run_io: Callable[..., Any]
) -> None:
    llm = GPT54Nano(
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        base_url=emulator.base_url,
        additional_kwargs={"prompt_cache_key": "k1", "prompt_cache_retention": "24h"},
    )
    kwargs = {"verbosity": "low", "service_tier": "flex", "store": False}
    run_io(lambda: llm.chat(USER, **kwargs), lambda: llm.achat(USER, **kwargs))
    body = bodies()[-1]
    assert {k: body[k] for k in ("prompt_cache_key", "prompt_cache_retention", *kwargs)} == {
        "prompt_cache_key": "k1",
        "prompt_cache_retention": "24h",
        "verbosity": "low",
        "service_tier": "flex",
        "store": False,
    }


def test_the_effort_levels_are_gpt54s_and_minimal_is_a_typed_error_at_construction() -> None:
    from typing import get_args

    from gpt54nano_gateway.model_rules import (
        GPT54_REASONING_EFFORTS,
        UnsupportedReasoningEffortError,
    )

    field = GPT54Nano.model_fields["reasoning_effort"]
    literal = next(arg for arg in get_args(field.annotation) if arg is not type(None))
    assert (
        get_args(literal) == GPT54_REASONING_EFFORTS == ("none", "low", "medium", "high", "xhigh")
    )
    schema = GPT54Nano.model_json_schema()["properties"]["reasoning_effort"]
    assert schema["anyOf"][0]["enum"] == list(GPT54_REASONING_EFFORTS)
    with pytest.raises(UnsupportedReasoningEffortError) as caught:
        GPT54Nano(api_key="k", account_id="a", reasoning_effort="minimal")
    assert str(caught.value) == (
        "reasoning_effort='minimal' is not supported by GPT-5.4; supported values are "
        "'none', 'low', 'medium', 'high', 'xhigh'"
    )


def test_an_assistant_image_in_history_is_dropped_with_a_warning(
    llm: GPT54Nano, bodies: Any, run_io: Callable[..., Any]
) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89"
        b"\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    history = [
        ChatMessage(role="user", content="draw a dot"),
        ChatMessage(role="assistant", blocks=[ImageBlock(image=png), TextBlock(text="a dot")]),
        ChatMessage(role="user", content=f'Reply with "{ANSWER}"'),
    ]
    with pytest.warns(UserWarning, match="ImageBlock in an assistant message was not sent"):
        response = run_io(lambda: llm.chat(history), lambda: llm.achat(history))
    assert response.message.content == ANSWER
    assert bodies()[-1]["messages"][1] == {"role": "assistant", "content": "a dot"}
