"""Guardrails and DLP: blocked prompts/responses, an unavailable scanner, the ``cf-aig-dlp``
header; by fault header, plan and message marker, over real loopback HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt54nano_emulator import Fault, Reply
from gpt54nano_emulator.server._faults import fault_to_header, parse_fault_header

from .conftest import chat_body, compat_url, gateway_headers, rest_headers, rest_url, sse_chunks

PROMPT_BLOCKED = "Prompt blocked due to security configurations"
RESPONSE_BLOCKED = "Response blocked due to security configurations"


def gateway_error(status: int, code: int, message: str) -> dict[str, Any]:
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


def dlp_header(action: str, check: str) -> dict[str, Any]:
    return {
        "findings": [
            {
                "profile": {
                    "context": {},
                    "entry_ids": ["00000000-0000-4000-8000-000000000001"],
                    "profile_id": "5f0c2a6e-6b1d-4c8e-9a3f-0d1e2f3a4b5c",
                },
                "policy_ids": ["emulator_dlp_policy"],
                "check": check,
            }
        ],
        "action": action,
    }


def _post(emulator: Any, http: Any, fault: str | None = None, **body: Any) -> Any:
    headers = rest_headers(emulator, **({"x-emulator-fault": fault} if fault else {}))
    return http.post(rest_url(emulator), json=chat_body(**body), headers=headers)


def _content(response: Any) -> str:
    return str(response.json()["choices"][0]["message"]["content"])


BLOCKS = [
    ("guardrail;target=prompt", 424, 2016, PROMPT_BLOCKED),
    ("guardrail", 424, 2016, PROMPT_BLOCKED),  # target defaults to the prompt
    ("guardrail;target=response", 424, 2017, RESPONSE_BLOCKED),
    ("guardrail;target=unavailable", 503, 7013, "Guardrails service unavailable"),
    ("dlp;action=block", 424, 2029, "Request content blocked due to DLP policy violations"),
    (
        "dlp;action=block;target=response",
        424,
        2030,
        "Response content blocked due to DLP policy violations",
    ),
]


@pytest.mark.parametrize(("fault", "status", "code", "message"), BLOCKS)
@pytest.mark.parametrize("stream", [False, True])
def test_blocks_answer_the_documented_error(
    emulator: Any, http: Any, fault: str, status: int, code: int, message: str, stream: bool
) -> None:
    response = _post(emulator, http, fault, stream=stream)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == gateway_error(status, code, message)
    assert response.headers["cf-aig-step"] == "0"


def test_a_blocked_prompt_does_not_reach_the_model(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="first"), Reply(content="second"))
    _post(emulator, http, "guardrail;target=prompt")
    assert _content(_post(emulator, http)) == "first"


def test_a_blocked_response_was_generated_and_logged_with_tokens(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="first"), Reply(content="second"))
    blocked = _post(emulator, http, "guardrail;target=response")
    assert _content(_post(emulator, http)) == "second"  # the block consumed "first"
    (log,) = [e for e in emulator.gateway_logs if e["id"] == blocked.headers["cf-aig-log-id"]]
    assert (log["status_code"], log["success"]) == (424, False)
    assert log["tokens_out"] is not None and log["tokens_out"] > 0
    assert log["cost"] > 0


@pytest.mark.parametrize(("target", "check"), [("request", "REQUEST"), ("response", "RESPONSE")])
@pytest.mark.parametrize("stream", [False, True])
def test_dlp_flag_answers_normally_with_the_header(
    emulator: Any, http: Any, target: str, check: str, stream: bool
) -> None:
    emulator.queue_reply(Reply(content="sensitive answer"))
    response = _post(emulator, http, f"dlp;action=flag;target={target}", stream=stream)
    assert response.status_code == 200
    assert json.loads(response.headers["cf-aig-dlp"]) == dlp_header("FLAG", check)
    if stream:
        pieces = [c["choices"][0]["delta"].get("content") or "" for c in sse_chunks(response.text)]
        assert "".join(pieces) == "sensitive answer"
    else:
        assert _content(response) == "sensitive answer"


@pytest.mark.parametrize(("target", "check"), [("request", "REQUEST"), ("response", "RESPONSE")])
def test_dlp_block_carries_the_header_too(
    emulator: Any, http: Any, target: str, check: str
) -> None:
    response = _post(emulator, http, f"dlp;action=block;target={target}")
    assert response.status_code == 424
    assert json.loads(response.headers["cf-aig-dlp"]) == dlp_header("BLOCK", check)


def test_no_dlp_header_without_a_dlp_fault(emulator: Any, http: Any) -> None:
    assert "cf-aig-dlp" not in _post(emulator, http).headers
    assert "cf-aig-dlp" not in _post(emulator, http, "guardrail;target=prompt").headers


@pytest.mark.parametrize(
    ("marker", "status", "code"),
    [
        ("[[guardrail:prompt]]", 424, 2016),
        ("[[guardrail:response]]", 424, 2017),
        ("[[guardrail:unavailable]]", 503, 7013),
        ("[[dlp:block]]", 424, 2029),
        ("[[dlp:block:response]]", 424, 2030),
    ],
)
def test_message_markers_trigger_the_blocks(
    emulator: Any, http: Any, marker: str, status: int, code: int
) -> None:
    body = {
        "model": "openai/gpt-5.4-nano",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": f"tell me {marker} please"}]},
        ],
    }
    response = http.post(compat_url(emulator), json=body, headers=gateway_headers(emulator))
    assert response.status_code == status
    assert response.json()["internalCode"] == code


def test_dlp_flag_marker_sets_the_header(emulator: Any, http: Any) -> None:
    response = http.post(
        rest_url(emulator),
        json=chat_body("card 4111 1111 1111 1111 [[dlp:flag]]"),
        headers=rest_headers(emulator),
    )
    assert response.status_code == 200
    assert json.loads(response.headers["cf-aig-dlp"]) == dlp_header("FLAG", "REQUEST")


def test_a_fault_header_wins_over_a_marker(emulator: Any, http: Any) -> None:
    headers = rest_headers(emulator, **{"x-emulator-fault": "status;status=429;code=2003"})
    body = chat_body("[[guardrail:prompt]]")
    response = http.post(rest_url(emulator), json=body, headers=headers)
    assert response.status_code == 429


def test_a_plan_applies_guardrail_faults(emulator: Any, http: Any) -> None:
    emulator.plan_faults(Fault(kind="guardrail", target="unavailable"), next_n=1)
    assert _post(emulator, http).status_code == 503
    assert _post(emulator, http).status_code == 200


def test_status_faults_know_the_guardrail_pairs(emulator: Any, http: Any) -> None:
    response = _post(emulator, http, "status;status=422;code=2017")  # the /run API's form
    assert response.json() == gateway_error(422, 2017, RESPONSE_BLOCKED)


@pytest.mark.parametrize(
    "header", ["guardrail;target=everything", "dlp;action=redact", "dlp;target=prompt"]
)
def test_bad_guardrail_fault_headers_are_refused(emulator: Any, http: Any, header: str) -> None:
    response = _post(emulator, http, header)
    assert response.status_code == 400
    assert response.json()["error"].startswith("emulator: bad x-emulator-fault header: unknown")


def test_guardrail_faults_round_trip_through_the_header_form() -> None:
    fault = Fault(kind="dlp", action="block", target="response")
    assert parse_fault_header(fault_to_header(fault)) == fault
    with pytest.raises(ValueError, match="unknown guardrail target"):
        Fault(kind="guardrail", target="nope")
