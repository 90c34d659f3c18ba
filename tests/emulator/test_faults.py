"""Injected faults: per-request header and per-emulator plans, over real HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from gpt54nano_emulator import Fault, Reply
from gpt54nano_emulator.server._faults import fault_to_header, parse_fault_header

from .conftest import async_client, chat_body, rest_headers, rest_url, sse_data, sync_client


def _fault(emulator: Any, fault: str, **extra: str) -> dict[str, str]:
    return rest_headers(emulator, **{"x-emulator-fault": fault}, **extra)


def _gateway_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": code, "message": message}],
        "name": "AiGatewayError",
        "httpCode": status,
        "internalCode": code,
        "message": message,
        "description": message,
    }


GATEWAY_PAIRS = [
    (400, 2001, "Please configure AI Gateway in the Cloudflare dashboard"),
    (401, 2009, "Unauthorized"),
    (402, 2021, "Insufficient AI Gateway credits"),
    (429, 2003, "Rate limited"),
    (
        429,
        2045,
        "Spend limit exceeded: rule 'emulator' (cost limit 0.002 per 3600s, fixed) for "
        "openai/gpt-5.4-nano",
    ),
]


@pytest.mark.parametrize(("status", "code", "message"), GATEWAY_PAIRS)
def test_gateway_status_faults(
    emulator: Any, http: Any, status: int, code: int, message: str
) -> None:
    headers = _fault(emulator, f"status;status={status};code={code}")
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == status
    assert response.json() == _gateway_body(status, code, message)
    assert "retry-after" not in response.headers  # absent on real gateway 429s (§4.3)
    assert response.headers["cf-aig-step"] == "0"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (429, 3040, "Capacity temporarily exceeded, please try again."),
        (429, 3036, "You have used up your daily free allocation of 10,000 neurons"),
        (408, 3007, "Request timeout"),
    ],
)
def test_workers_ai_status_faults_use_the_v4_envelope(
    emulator: Any, http: Any, status: int, code: int, message: str
) -> None:
    headers = _fault(emulator, f"status;status={status};code={code}")
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False
    assert body["errors"][0]["code"] == code
    assert body["errors"][0]["message"].startswith(message)


@pytest.mark.parametrize(
    ("status", "kind"), [(500, "json"), (503, "json"), (502, "html"), (504, "html")]
)
def test_server_error_faults(emulator: Any, http: Any, status: int, kind: str) -> None:
    response = http.post(
        rest_url(emulator), json=chat_body(), headers=_fault(emulator, f"status;status={status}")
    )
    assert response.status_code == status
    if kind == "json":
        assert response.json()["error"]["type"] == "server_error"
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert f"<title>{status} " in response.text


def test_retry_after_header_on_request(emulator: Any, http: Any) -> None:
    headers = _fault(emulator, "status;status=429;code=2003;retry_after=7")
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("shape", "check"),
    [
        ("openai", lambda b: b["error"]["type"] == "gateway_error"),
        ("v4", lambda b: b["errors"][0]["code"] == 2021 and b["result"] is None),
        ("workers_ai", lambda b: b["name"] == "AiError" and b["internalCode"] == 2021),
    ],
)
def test_shape_override(emulator: Any, http: Any, shape: str, check: Any) -> None:
    headers = _fault(emulator, f"status;status=402;code=2021;shape={shape}")
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == 402
    assert check(response.json())


def test_openai_pass_through_400(emulator: Any, http: Any) -> None:
    headers = _fault(emulator, "status;status=400;shape=openai;message=Unknown parameter: 'x'.")
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Unknown parameter: 'x'.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


def test_integer_retry_after_in_a_plan(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=503, retry_after=1), next_n=1)
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")


def test_text_shape_and_custom_message(emulator: Any, http: Any) -> None:
    headers = _fault(emulator, "status;status=500;shape=text;message=boom")
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert (response.status_code, response.text) == (500, "boom")


def test_success_false_envelope_with_200(emulator: Any, http: Any) -> None:
    response = http.post(rest_url(emulator), json=chat_body(), headers=_fault(emulator, "envelope"))
    assert response.status_code == 200
    assert response.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 3040, "message": "Capacity temporarily exceeded, please try again."}],
        "messages": [],
    }


def test_reset_before_response_is_remote_protocol_error(emulator: Any, http: Any) -> None:
    error = http.error(
        "POST", rest_url(emulator), json=chat_body(), headers=_fault(emulator, "reset")
    )
    assert isinstance(error, httpx.RemoteProtocolError)


def test_hard_reset_is_connection_reset(emulator: Any, http: Any) -> None:
    headers = _fault(emulator, "reset;hard=true")
    error = http.error("POST", rest_url(emulator), json=chat_body(), headers=headers)
    assert isinstance(error, httpx.ReadError)
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any(isinstance(e, ConnectionResetError) or "reset" in str(e).lower() for e in chain)


def test_server_survives_resets(emulator: Any, http: Any) -> None:
    http.error("POST", rest_url(emulator), json=chat_body(), headers=_fault(emulator, "reset"))
    ok = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert ok.status_code == 200


def test_stall_delays_the_first_byte(emulator: Any, http: Any) -> None:
    started = time.monotonic()
    response = http.post(
        rest_url(emulator), json=chat_body(), headers=_fault(emulator, "stall;seconds=0.3")
    )
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_stall_trips_a_client_read_timeout(emulator: Any, run_io: Any) -> None:
    url, body = rest_url(emulator), chat_body()
    headers = _fault(emulator, "stall;seconds=0.5")
    timeout = httpx.Timeout(5, read=0.05)

    def sync() -> None:
        with sync_client(timeout=timeout) as client, pytest.raises(httpx.ReadTimeout):
            client.post(url, json=body, headers=headers)

    async def async_() -> None:
        async with async_client(timeout=timeout) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(url, json=body, headers=headers)

    run_io(sync, async_)


def _stream_text(emulator: Any, http: Any, fault: str, reply: str = "a b c d e") -> str:
    emulator.queue_reply(Reply(content=reply))
    body = chat_body(stream=True, stream_options={"include_usage": True})
    _, parts = http.stream_parts(rest_url(emulator), json=body, headers=_fault(emulator, fault))
    return b"".join(parts).decode()


def test_cut_ends_the_stream_without_done(emulator: Any, http: Any) -> None:
    data = sse_data(_stream_text(emulator, http, "cut;after=3"))
    assert len(data) == 3
    assert "[DONE]" not in data
    assert all(json.loads(item)["choices"][0]["finish_reason"] is None for item in data)


def test_hard_cut_drops_the_connection_mid_stream(emulator: Any, run_io: Any) -> None:
    url, body = rest_url(emulator), chat_body(stream=True)
    headers = _fault(emulator, "cut;after=2;hard=true")

    def sync() -> tuple[list[bytes], Exception | None]:
        parts: list[bytes] = []
        with (
            sync_client(timeout=5) as client,
            client.stream("POST", url, json=body, headers=headers) as r,
        ):
            try:
                parts.extend(r.iter_raw())
            except httpx.HTTPError as exc:
                return parts, exc
        return parts, None

    async def async_() -> tuple[list[bytes], Exception | None]:
        parts: list[bytes] = []
        async with (
            async_client(timeout=5) as client,
            client.stream("POST", url, json=body, headers=headers) as r,
        ):
            try:
                async for part in r.aiter_raw():
                    parts.append(part)
            except httpx.HTTPError as exc:
                return parts, exc
        return parts, None

    parts, error = run_io(sync, async_)
    assert isinstance(error, httpx.RemoteProtocolError)
    assert b"".join(parts).count(b"data: ") == 2


def test_cut_on_a_plain_request_breaks_the_body(emulator: Any, http: Any) -> None:
    error = http.error(
        "POST", rest_url(emulator), json=chat_body(), headers=_fault(emulator, "cut")
    )
    assert isinstance(error, httpx.RemoteProtocolError)


def test_error_event_mid_stream(emulator: Any, http: Any) -> None:
    data = sse_data(_stream_text(emulator, http, "error_event;after=2;message=overloaded;code=503"))
    assert len(data) == 3
    assert json.loads(data[-1]) == {
        "error": {"message": "overloaded", "type": "server_error", "param": None, "code": "503"}
    }


def test_malformed_chunk_then_the_rest(emulator: Any, http: Any) -> None:
    data = sse_data(_stream_text(emulator, http, "malformed;after=1"))
    with pytest.raises(json.JSONDecodeError):
        json.loads(data[1])
    assert data[-1] == "[DONE]"
    assert json.loads(data[0])["choices"][0]["delta"]["role"] == "assistant"


def test_malformed_plain_body(emulator: Any, http: Any) -> None:
    response = http.post(
        rest_url(emulator), json=chat_body(), headers=_fault(emulator, "malformed")
    )
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_slow_plain_body_arrives_whole(emulator: Any, http: Any) -> None:
    started = time.monotonic()
    response = http.post(
        rest_url(emulator), json=chat_body(), headers=_fault(emulator, "slow;seconds=0.1")
    )
    assert time.monotonic() - started >= 0.1
    assert response.json()["object"] == "chat.completion"


def test_bad_fault_header_is_refused(emulator: Any, http: Any) -> None:
    for value in ["explode", "status;status=abc", "status;nope=1"]:
        response = http.post(rest_url(emulator), json=chat_body(), headers=_fault(emulator, value))
        assert response.status_code == 400
        assert "x-emulator-fault" in response.json()["error"]


def test_faults_apply_after_auth(emulator: Any, http: Any) -> None:
    response = http.post(
        rest_url(emulator), json=chat_body(), headers={"x-emulator-fault": "status;status=503"}
    )
    assert response.status_code == 401


# --- plans -------------------------------------------------------------------------------------


def _statuses(emulator: Any, http: Any, n: int) -> list[int]:
    return [
        http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator)).status_code
        for _ in range(n)
    ]


def test_plan_next_n(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=2003), next_n=2)
    assert _statuses(emulator, http, 4) == [429, 429, 200, 200]


def test_plan_every_k(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=503), every=3)
    assert _statuses(emulator, http, 6) == [200, 200, 503, 200, 200, 503]


def test_plan_probability_is_seeded(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=500), probability=0.5, seed=7)
    first = _statuses(emulator, http, 12)
    emulator.reset()
    emulator.plan_faults(Fault(kind="status", status=500), probability=0.5, seed=7)
    assert _statuses(emulator, http, 12) == first
    assert set(first) == {200, 500}


def test_plan_probability_extremes(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=500), probability=0.0, seed=1)
    assert _statuses(emulator, http, 3) == [200, 200, 200]
    emulator.reset()
    emulator.plan_faults(Fault(kind="status", status=500), probability=1.0)
    assert _statuses(emulator, http, 3) == [500, 500, 500]


def test_header_fault_wins_over_plan(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=500), next_n=1)
    headers = _fault(emulator, "status;status=402;code=2021")
    assert http.post(rest_url(emulator), json=chat_body(), headers=headers).status_code == 402


def test_plan_with_retry_after_and_stream_cut(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=3040, retry_after="2"), next_n=1)
    limited = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
    emulator.plan_faults(Fault(kind="cut", after=1), next_n=1)
    _, parts = http.stream_parts(
        rest_url(emulator), json=chat_body(stream=True), headers=rest_headers(emulator)
    )
    assert len(sse_data(b"".join(parts).decode())) == 1


def test_reset_clears_plans(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=500), every=1)
    emulator.reset()
    assert _statuses(emulator, http, 2) == [200, 200]


# --- pure parts ----------------------------------------------------------------------------------


def test_fault_header_round_trip() -> None:
    fault = Fault(kind="status", status=429, code=2003, retry_after="3")
    assert parse_fault_header(fault_to_header(fault)) == fault
    assert parse_fault_header("reset;hard=true") == Fault(kind="reset", hard=True)
    assert parse_fault_header("cut; after=4") == Fault(kind="cut", after=4)


@pytest.mark.parametrize(
    "kwargs",
    [{"kind": "boom"}, {"kind": "status", "shape": "xml"}, {"kind": "slow", "seconds": -1}],
)
def test_invalid_faults_raise(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Fault(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"next_n": 1, "every": 2}, {"next_n": 0}, {"every": 0}, {"probability": 1.5}],
)
def test_invalid_plans_raise(emulator: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        emulator.plan_faults(Fault(), **kwargs)
