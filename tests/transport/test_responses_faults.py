"""The Responses API under faults, options, bad input and the 402 bug, against the emulator.

Same `Clients` helper as test_responses.py (sync and async twins through ``run_io``); the faults
are the emulator's (``Emulator.plan_faults``), so every byte crosses a real socket.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from pydantic import ValidationError

from gpt54nano_gateway import (
    AuthenticationError,
    BadRequestError,
    GatewayOptions,
    GatewayTimeoutError,
    InternalServerError,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    Response,
    ResponseParseError,
    ResponsesRequest,
    StreamError,
    StreamTruncatedError,
)
from gpt54nano_gateway.model_rules import UnsupportedReasoningEffortError

from .test_responses import Clients, streaming

pytest.importorskip("starlette")
from gpt54nano_emulator import Fault, Reply

REQUEST = ResponsesRequest(input="Say hi")


@streaming
def test_429_then_success_is_retried(emulator: Any, run_io: Any, streaming: bool) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=2003, retry_after="1"), next_n=1)
    clients = Clients(emulator, run_io)
    response = clients.respond(REQUEST, streaming)
    assert clients.slept == [1.0]
    assert response.status == "completed"
    assert response.meta is not None and response.meta.attempts == 2
    assert len(emulator.requests) == 2


@streaming
def test_503_twice_then_success(emulator: Any, run_io: Any, streaming: bool) -> None:
    emulator.plan_faults(Fault(kind="status", status=503), next_n=2)
    clients = Clients(emulator, run_io)
    response = clients.respond(REQUEST, streaming)
    assert clients.slept == [0.5, 1.0]
    assert response.meta is not None and response.meta.attempts == 3


def test_5xx_exhausts_retries(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=500), next_n=5)
    with pytest.raises(InternalServerError) as info:
        Clients(emulator, run_io, max_retries=1).create_response(REQUEST)
    assert (info.value.attempts, info.value.status_code) == (2, 500)


def test_quota_is_not_retried(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=3036), next_n=3)
    with pytest.raises(QuotaExceededError):
        Clients(emulator, run_io).create_response(REQUEST)
    assert len(emulator.requests) == 1


def test_envelope_success_false_is_retried_like_a_429(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="envelope"), next_n=1)
    response = Clients(emulator, run_io).create_response(REQUEST)
    assert response.meta is not None and response.meta.attempts == 2


@pytest.mark.parametrize("hard", [False, True])
def test_cut_stream_is_truncated_with_the_partial_response(
    emulator: Any, run_io: Any, hard: bool
) -> None:
    emulator.queue_reply(Reply(content="alpha beta gamma delta epsilon zeta"))
    emulator.plan_faults(Fault(kind="cut", after=6, hard=hard), next_n=1)
    with pytest.raises(StreamTruncatedError) as info:
        Clients(emulator, run_io).stream_response(REQUEST)
    partial = info.value.partial
    assert isinstance(partial, Response)
    assert partial.status == "in_progress" and partial.id.startswith("resp_")
    assert partial.output_text and "alpha beta gamma delta epsilon zeta".startswith(
        partial.output_text
    )
    assert partial.output_text != "alpha beta gamma delta epsilon zeta"
    assert partial.meta is not None and partial.meta.log_id == info.value.meta.log_id  # type: ignore[union-attr]


@streaming
def test_failed_response_is_a_typed_error(emulator: Any, run_io: Any, streaming: bool) -> None:
    emulator.queue_reply(Reply(content="never finished", finish_reason="failed"))
    with pytest.raises(InternalServerError) as info:
        Clients(emulator, run_io).respond(REQUEST, streaming)
    error = info.value
    assert error.code == "server_error" and error.status_code == 500
    assert "An error occurred while processing your request." in error.message
    assert isinstance(error.partial, Response) and error.partial.status == "failed"
    assert error.meta is not None and error.request_id == error.meta.log_id
    assert isinstance(error, StreamError) == streaming
    assert len(emulator.requests) == 1  # a failed answer is not retried


def test_error_event_is_a_stream_error_with_partial(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="one two three four"))
    emulator.plan_faults(
        Fault(kind="error_event", after=5, code=None, message="upstream broke"), next_n=1
    )
    with pytest.raises(StreamError) as info:
        Clients(emulator, run_io).stream_response(REQUEST)
    error = info.value
    assert isinstance(error, InternalServerError)  # code "server_error"
    assert "upstream broke" in error.message and error.code == "server_error"
    assert isinstance(error.partial, Response) and error.partial.status == "in_progress"


def test_malformed_event_is_a_parse_error(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="malformed", after=3), next_n=1)
    with pytest.raises(ResponseParseError) as info:
        Clients(emulator, run_io).stream_response(REQUEST)
    assert isinstance(info.value.partial, Response)
    assert (
        info.value.body == '{"type":"response.output_text.delta","item_id":"msg_malformed","delta":'
    )


def test_total_timeout_holds_per_read_mid_stream(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="a b c d e f g h i j k l m n o p"))
    emulator.plan_faults(Fault(kind="slow", seconds=0.05), next_n=1)
    with pytest.raises(GatewayTimeoutError) as info:
        Clients(emulator, run_io, total_timeout=0.3).stream_response(REQUEST)
    assert isinstance(info.value.partial, Response)
    assert "overall deadline" in info.value.message


def test_gateway_options_reach_the_wire(emulator: Any, run_io: Any) -> None:
    clients = Clients(emulator, run_io, options=GatewayOptions(collect_log=True))
    options = GatewayOptions(metadata={"user": "u-7"}, event_id="evt-resp-1", cache_ttl=300)
    response = clients.create_response(REQUEST, options=options)
    headers = emulator.requests[-1].headers
    assert headers["cf-aig-metadata"] == '{"user":"u-7"}'
    assert headers["cf-aig-event-id"] == "evt-resp-1"
    assert headers["cf-aig-cache-ttl"] == "300"
    assert headers["cf-aig-collect-log"] == "true"
    assert response.meta is not None
    assert (response.meta.event_id, response.meta.cache_status) == ("evt-resp-1", "MISS")


def test_gateway_endpoint_sends_the_provider_native_model(emulator: Any, run_io: Any) -> None:
    clients = Clients(emulator, run_io, endpoint="gateway", base_url=emulator.gateway_base_url)
    assert clients.create_response(REQUEST).status == "completed"
    recorded = emulator.requests[-1]
    assert recorded.path == f"/v1/{emulator.account_id}/default/openai/responses"
    assert recorded.body["model"] == "gpt-5.4-nano"
    assert "authorization" not in recorded.headers
    assert recorded.headers["cf-aig-authorization"] != emulator.api_token  # redacted in the log


def test_402_on_the_rest_route_names_the_bug_and_the_work_around(
    emulator: Any, run_io: Any
) -> None:
    # The open bug (cloudflare/ai#548): REST /ai/v1/responses answers 402 on an authenticated
    # gateway while chat/completions works. The emulator reproduces the status as a fault.
    emulator.plan_faults(Fault(kind="status", status=402, message="Payment error"), next_n=1)
    with pytest.raises(PaymentRequiredError) as info:
        Clients(emulator, run_io, gateway_id="default").create_response(REQUEST)
    message = str(info.value)
    assert "Payment error" in message and "cloudflare/ai#548" in message
    assert "/openai/responses" in message and "responses_endpoint='gateway'" in message
    # The work-around: the same config with responses_endpoint="gateway" uses the
    # provider-native route (Chat Completions stay on REST).
    clients = Clients(emulator, run_io, gateway_id="default", responses_endpoint="gateway")
    assert clients.create_response(REQUEST).status == "completed"
    assert emulator.requests[-1].path == f"/v1/{emulator.account_id}/default/openai/responses"
    assert clients.config.chat_completions_url.endswith("/ai/v1/chat/completions")


def test_402_on_the_gateway_route_has_no_such_hint(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=402, code=2021), next_n=1)
    clients = Clients(emulator, run_io, endpoint="gateway", base_url=emulator.gateway_base_url)
    with pytest.raises(PaymentRequiredError) as info:
        clients.create_response(REQUEST)
    assert "cloudflare/ai#548" not in str(info.value)


def test_the_token_is_never_in_errors(emulator: Any, run_io: Any) -> None:
    token = "resp-secret-token-value-0123"
    with pytest.raises(AuthenticationError) as info:
        Clients(emulator, run_io, api_token=token).create_response(REQUEST)
    error = info.value
    assert token not in f"{error} {error!r} {error.body} {error.headers} {error.__cause__!r}"
    emulator.plan_faults(
        Fault(kind="status", status=429, message=f"echo {emulator.api_token}"), next_n=9
    )
    with pytest.raises(RateLimitError) as caught:
        Clients(emulator, run_io, max_retries=0).stream_response(REQUEST)
    assert emulator.api_token not in f"{caught.value} {caught.value!r} {caught.value.body}"


def test_bad_input_is_refused_before_sending(emulator: Any, run_io: Any) -> None:
    clients = Clients(emulator, run_io)
    with pytest.raises(UnsupportedReasoningEffortError, match="'minimal'"):
        clients.create_response(ResponsesRequest(input="x", reasoning={"effort": "minimal"}))
    with pytest.raises(ValidationError, match="did you mean 'max_output_tokens'"):
        clients.create_response({"input": "x", "max_output_token": 100})
    with pytest.raises(ValidationError, match="tool_choice needs tools"):
        ResponsesRequest(input="x", tool_choice="required")
    with pytest.raises(ValidationError):
        ResponsesRequest(input="x", max_output_tokens=True)
    with pytest.raises(ValidationError, match="name and a schema"):
        ResponsesRequest(input="x", text={"format": {"type": "json_schema"}})
    with pytest.raises(ValidationError):
        ResponsesRequest(input=[])
    assert emulator.requests == []


def test_temperature_is_dropped_with_a_warning_unless_effort_none(
    emulator: Any, run_io: Any
) -> None:
    clients = Clients(emulator, run_io)
    with pytest.warns(UserWarning, match="temperature=0.2 was not sent"):
        clients.create_response(ResponsesRequest(input="x", temperature=0.2))
    assert "temperature" not in emulator.requests[-1].body
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clients.create_response(
            ResponsesRequest(input="x", temperature=0.2, reasoning={"effort": "none"})
        )
    assert emulator.requests[-1].body["temperature"] == 0.2


def test_openai_400_from_the_emulator_is_a_bad_request(emulator: Any, run_io: Any) -> None:
    # A function_call_output answering no call: OpenAI's own 400, relayed.
    request = ResponsesRequest(
        input=[{"type": "function_call_output", "call_id": "nope", "output": "x"}]
    )
    with pytest.raises(BadRequestError) as info:
        Clients(emulator, run_io).create_response(request)
    assert "nope" in info.value.message
