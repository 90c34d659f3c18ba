"""Gateway logs: ``GET``/``PATCH …/ai-gateway/gateways/{gw}/logs…`` served from the emulator's
own request log, over real loopback HTTP (sync and async twins through ``http``)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gpt54nano_emulator import Reply

from .conftest import chat_body, compat_url, gateway_headers, rest_headers, rest_url, sse_chunks

NANO_IN, NANO_OUT = 0.20 / 1_000_000, 1.25 / 1_000_000
NOT_FOUND = {"success": False, "errors": [{"code": 7002, "message": "Not Found"}], "result": {}}
CREATED_AT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def logs_url(emu: Any, gateway: str = "default", account: str | None = None) -> str:
    account = account or emu.account_id
    return f"{emu.base_url}/accounts/{account}/ai-gateway/gateways/{gateway}/logs"


def chat(emu: Any, http: Any, body: dict[str, Any] | None = None, **headers: str) -> Any:
    """A REST chat call with a body whose exact bytes are known (the log keeps them)."""
    text = json.dumps(body or chat_body(), separators=(",", ":"))
    all_headers = {**rest_headers(emu, **headers), "content-type": "application/json"}
    response = http.post(rest_url(emu), content=text, headers=all_headers)
    response.sent_text = text
    return response


def get_log(emu: Any, http: Any, log_id: str, suffix: str = "", gateway: str = "default") -> Any:
    return http.get(f"{logs_url(emu, gateway)}/{log_id}{suffix}", headers=rest_headers(emu))


def volatile(result: dict[str, Any]) -> dict[str, Any]:
    """Checks and strips the fields that depend on the clock (format asserted here)."""
    out = dict(result)
    assert re.match(CREATED_AT, out.pop("created_at"))
    duration = out.pop("duration")
    assert isinstance(duration, int) and duration >= 0
    return out


def list_item(
    log_id: str,
    *,
    tokens_in: int | None,
    tokens_out: int | None,
    cost: Any,
    status: int = 200,
    success: bool = True,
    cached: bool = False,
    custom_cost: bool = False,
    metadata: str | None = None,
    path: str = "chat/completions",
    response_content_type: str = "application/json",
    feedback: float | None = None,
    score: float | None = None,
) -> dict[str, Any]:
    return {
        "id": log_id,
        "cached": cached,
        "model": "gpt-5.4-nano",
        "path": path,
        "provider": "openai",
        "success": success,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "cost": cost,
        "custom_cost": custom_cost,
        "metadata": metadata,
        "model_type": "chat",
        "request_content_type": "application/json",
        "request_type": "chat",
        "response_content_type": response_content_type,
        "status_code": status,
        "step": 0,
        "feedback": feedback,
        "score": score,
    }


def detail(
    log_id: str, request_text: str, response_text: str | None, **fields: Any
) -> dict[str, Any]:
    return {
        **list_item(log_id, **fields),
        "request_head": request_text,
        "request_head_complete": True,
        "request_size": len(request_text.encode()),
        "response_head": response_text,
        "response_head_complete": response_text is not None,
        "response_size": len((response_text or "").encode()),
    }


def nano_cost(usage: dict[str, Any]) -> Any:
    return pytest.approx(usage["prompt_tokens"] * NANO_IN + usage["completion_tokens"] * NANO_OUT)


def envelope(result: Any) -> dict[str, Any]:
    return {"result": result, "success": True, "errors": [], "messages": []}


def test_a_call_then_its_log_by_the_log_id_header(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="logged answer"))
    call = chat(emulator, http)
    usage = call.json()["usage"]
    log_id = call.headers["cf-aig-log-id"]
    response = get_log(emulator, http, log_id)
    assert response.status_code == 200
    body = response.json()
    body["result"] = volatile(body["result"])
    expected = detail(
        log_id,
        call.sent_text,
        call.text,
        tokens_in=usage["prompt_tokens"],
        tokens_out=usage["completion_tokens"],
        cost=nano_cost(usage),
    )
    assert body == envelope(expected)


def test_request_and_response_bodies_are_served_as_sent(emulator: Any, http: Any) -> None:
    call = chat(emulator, http)
    log_id = call.headers["cf-aig-log-id"]
    request = get_log(emulator, http, log_id, "/request")
    response = get_log(emulator, http, log_id, "/response")
    assert (request.status_code, request.text) == (200, call.sent_text)
    assert request.headers["content-type"] == "application/json"
    assert (response.status_code, response.json()) == (200, call.json())


def test_a_stream_logs_its_tokens_and_its_sse_body(emulator: Any, http: Any) -> None:
    body = chat_body(stream=True, stream_options={"include_usage": True})
    call = chat(emulator, http, body)
    usage = sse_chunks(call.text)[-1]["usage"]
    log_id = call.headers["cf-aig-log-id"]
    result = volatile(get_log(emulator, http, log_id).json()["result"])
    assert result == detail(
        log_id,
        call.sent_text,
        call.text[:4096],
        tokens_in=usage["prompt_tokens"],
        tokens_out=usage["completion_tokens"],
        cost=nano_cost(usage),
        response_content_type="text/event-stream; charset=utf-8",
    ) | {"response_head_complete": len(call.text) <= 4096, "response_size": len(call.content)}
    assert get_log(emulator, http, log_id, "/response").text == call.text


def test_a_stream_without_usage_still_logs_the_models_tokens(emulator: Any, http: Any) -> None:
    plain = chat(emulator, http).json()["usage"]  # same body → same deterministic answer
    call = chat(emulator, http, chat_body(stream=True))
    result = get_log(emulator, http, call.headers["cf-aig-log-id"]).json()["result"]
    assert (result["tokens_in"], result["tokens_out"]) == (
        plain["prompt_tokens"],
        plain["completion_tokens"],
    )


def test_metadata_header_and_gateway_host_logs(emulator: Any, http: Any) -> None:
    headers = gateway_headers(emulator, **{"cf-aig-metadata": '{"team":"AI","user":12345}'})
    call = http.post(compat_url(emulator), json=chat_body(), headers=headers)
    result = get_log(emulator, http, call.headers["cf-aig-log-id"]).json()["result"]
    assert result["metadata"] == '{"team":"AI","user":12345}'
    assert result["model"] == "gpt-5.4-nano"


def test_an_error_answer_is_logged_without_tokens(emulator: Any, http: Any) -> None:
    call = chat(emulator, http, **{"x-emulator-fault": "status;status=429;code=2003"})
    log_id = call.headers["cf-aig-log-id"]
    result = volatile(get_log(emulator, http, log_id).json()["result"])
    assert result == detail(
        log_id,
        call.sent_text,
        call.text,
        tokens_in=None,
        tokens_out=None,
        cost=0.0,
        status=429,
        success=False,
    )


def test_a_cache_hit_is_logged_cached_at_no_cost(emulator: Any, http: Any) -> None:
    chat(emulator, http, **{"cf-aig-cache-ttl": "60"})
    hit = chat(emulator, http, **{"cf-aig-cache-ttl": "60"})
    assert hit.headers["cf-aig-cache-status"] == "HIT"
    result = get_log(emulator, http, hit.headers["cf-aig-log-id"]).json()["result"]
    usage = hit.json()["usage"]
    assert (result["cached"], result["cost"]) == (True, 0.0)
    assert (result["tokens_in"], result["tokens_out"]) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )


def test_collect_log_false_writes_no_log(emulator: Any, http: Any) -> None:
    call = chat(emulator, http, **{"cf-aig-collect-log": "false"})
    response = get_log(emulator, http, call.headers["cf-aig-log-id"])
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_collect_log_payload_false_keeps_the_log_without_bodies(emulator: Any, http: Any) -> None:
    call = chat(emulator, http, **{"cf-aig-collect-log-payload": "false"})
    log_id = call.headers["cf-aig-log-id"]
    result = get_log(emulator, http, log_id).json()["result"]
    assert (result["request_head"], result["response_head"]) == (None, None)
    assert result["request_size"] == len(call.sent_text)
    for suffix in ("/request", "/response"):
        response = get_log(emulator, http, log_id, suffix)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_refused_before_a_gateway_is_known_writes_no_log(emulator: Any, http: Any) -> None:
    http.post(rest_url(emulator), json=chat_body(), headers={"authorization": "Bearer wrong"})
    http.post(
        rest_url(emulator),
        json=chat_body(),
        headers=rest_headers(emulator, **{"cf-aig-gateway-id": "nosuch"}),
    )
    assert emulator.gateway_logs == []


# --- auth and not found ------------------------------------------------------------------------


def test_unknown_log_and_unknown_gateway_are_7002(emulator: Any, http: Any) -> None:
    log_id = chat(emulator, http).headers["cf-aig-log-id"]
    for response in (
        get_log(emulator, http, "0190a000-0000-7000-8000-000000000000"),
        get_log(emulator, http, log_id, gateway="nosuch"),
        http.get(logs_url(emulator, "nosuch"), headers=rest_headers(emulator)),
    ):
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}])
def test_logs_need_the_api_token(emulator: Any, http: Any, headers: dict[str, str]) -> None:
    response = http.get(logs_url(emulator), headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 10000, "message": "Authentication error"}],
        "messages": [],
    }


def test_logs_of_another_account_could_not_route(emulator: Any, http: Any) -> None:
    url = logs_url(emulator, account="someone-else")
    response = http.get(url, headers=rest_headers(emulator))
    path = url.split(emulator.root_url, 1)[1]
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {
            "code": 7003,
            "message": f"Could not route to {path}, perhaps your object identifier is invalid?",
        }
    ]


def test_other_methods_are_7001(emulator: Any, http: Any) -> None:
    response = http.request("DELETE", logs_url(emulator), headers=rest_headers(emulator))
    assert response.status_code == 405
    assert response.json()["errors"] == [
        {"code": 7001, "message": "DELETE not supported for requested URI."}
    ]


# --- list -----------------------------------------------------------------------------------------


def _calls(emulator: Any, http: Any, count: int) -> list[str]:
    """``count`` calls with growing prompts (so tokens_in grows); their log ids, in order."""
    return [
        chat(emulator, http, chat_body("word " * (i + 1))).headers["cf-aig-log-id"]
        for i in range(count)
    ]


def _list(emulator: Any, http: Any, **params: Any) -> Any:
    return http.get(logs_url(emulator), headers=rest_headers(emulator), params=params)


def test_list_pages_newest_first_with_result_info(emulator: Any, http: Any) -> None:
    ids = _calls(emulator, http, 5)
    first = _list(emulator, http, per_page=2).json()
    third = _list(emulator, http, per_page=2, page=3).json()
    assert [item["id"] for item in first["result"]] == ids[::-1][:2]
    assert first["result_info"] == {"page": 1, "per_page": 2, "count": 2, "total_count": 5}
    assert [item["id"] for item in third["result"]] == [ids[0]]
    assert third["result_info"] == {"page": 3, "per_page": 2, "count": 1, "total_count": 5}
    assert (first["success"], first["errors"], first["messages"]) == (True, [], [])


def test_list_items_have_the_list_fields(emulator: Any, http: Any) -> None:
    call = chat(emulator, http)
    usage = call.json()["usage"]
    items = _list(emulator, http).json()["result"]
    assert [volatile(item) for item in items] == [
        list_item(
            call.headers["cf-aig-log-id"],
            tokens_in=usage["prompt_tokens"],
            tokens_out=usage["completion_tokens"],
            cost=nano_cost(usage),
        )
    ]


def test_list_orders_and_filters(emulator: Any, http: Any) -> None:
    ids = _calls(emulator, http, 4)
    failed = chat(emulator, http, **{"x-emulator-fault": "status;status=500"})
    failed_id = failed.headers["cf-aig-log-id"]
    ascending = _list(emulator, http, order_by="tokens_in", order_by_direction="asc").json()
    assert [item["id"] for item in ascending["result"]] == [*ids, failed_id]  # null last
    assert [i["id"] for i in _list(emulator, http, success="false").json()["result"]] == [failed_id]
    tokens = [i["tokens_in"] for i in ascending["result"][:4]]
    narrowed = _list(emulator, http, min_tokens_in=tokens[1], max_tokens_in=tokens[2]).json()
    assert [item["id"] for item in narrowed["result"]] == [ids[2], ids[1]]
    searched = _list(emulator, http, search=ids[3][-12:]).json()
    assert [item["id"] for item in searched["result"]] == [ids[3]]
    by_filter = _list(
        emulator,
        http,
        filters=json.dumps([{"key": "tokens_in", "operator": "gt", "value": [tokens[2]]}]),
    ).json()
    assert [item["id"] for item in by_filter["result"]] == [ids[3]]
    assert _list(emulator, http, model="gpt-5.4-mini").json()["result"] == []


def test_list_meta_info_adds_min_and_max(emulator: Any, http: Any) -> None:
    _calls(emulator, http, 2)
    logs = emulator.gateway_logs
    info = _list(emulator, http, meta_info="true").json()["result_info"]
    tokens_in = [log["tokens_in"] for log in logs]
    costs = [log["cost"] for log in logs]
    assert info["min_tokens_in"] == min(tokens_in) and info["max_tokens_in"] == max(tokens_in)
    assert info["min_cost"] == min(costs) and info["max_cost"] == max(costs)
    assert set(info) == {
        "page",
        "per_page",
        "count",
        "total_count",
        *(
            f"{b}_{n}"
            for b in ("min", "max")
            for n in ("cost", "duration", "tokens_in", "tokens_out", "total_tokens")
        ),
    }


@pytest.mark.parametrize(
    ("params", "issue"),
    [
        (
            {"per_page": "51"},
            {
                "code": "too_big",
                "maximum": 50,
                "type": "number",
                "inclusive": True,
                "exact": False,
                "message": "Number must be less than or equal to 50",
                "path": ["query", "per_page"],
            },
        ),
        (
            {"page": "0"},
            {
                "code": "too_small",
                "minimum": 1,
                "type": "number",
                "inclusive": True,
                "exact": False,
                "message": "Number must be greater than or equal to 1",
                "path": ["query", "page"],
            },
        ),
        (
            {"page": "two"},
            {
                "code": "invalid_type",
                "expected": "number",
                "received": "nan",
                "path": ["query", "page"],
                "message": "Expected number, received nan",
            },
        ),
        (
            {"order_by_direction": "up"},
            {
                "received": "up",
                "code": "invalid_enum_value",
                "options": ["asc", "desc"],
                "path": ["query", "order_by_direction"],
                "message": "Invalid enum value. Expected 'asc' | 'desc', received 'up'",
            },
        ),
        (
            {"cached": "yes"},
            {
                "code": "invalid_type",
                "expected": "boolean",
                "received": "string",
                "path": ["query", "cached"],
                "message": "Expected boolean, received string",
            },
        ),
        (
            {"start_date": "yesterday"},
            {
                "code": "invalid_string",
                "validation": "datetime",
                "message": "Invalid datetime",
                "path": ["query", "start_date"],
            },
        ),
    ],
)
def test_bad_list_query_is_400(
    emulator: Any, http: Any, params: dict[str, str], issue: dict[str, Any]
) -> None:
    response = _list(emulator, http, **params)
    assert response.status_code == 400
    assert response.json() == {"errors": [issue], "success": False, "result": {}}


# --- patch ---------------------------------------------------------------------------------------


def _patch(emulator: Any, http: Any, log_id: str, **kwargs: Any) -> Any:
    url = f"{logs_url(emulator)}/{log_id}"
    return http.request("PATCH", url, headers=rest_headers(emulator), **kwargs)


def test_patch_feedback_score_metadata_then_get_shows_them(emulator: Any, http: Any) -> None:
    log_id = chat(emulator, http).headers["cf-aig-log-id"]
    patch = {"feedback": -1, "score": 87, "metadata": {"reviewer": "ana", "ok": False, "n": 2}}
    patched = _patch(emulator, http, log_id, json=patch)
    fetched = get_log(emulator, http, log_id)
    assert patched.status_code == 200
    assert patched.json() == fetched.json()
    result = fetched.json()["result"]
    assert (result["feedback"], result["score"]) == (-1, 87)
    assert json.loads(result["metadata"]) == patch["metadata"]
    listed = _list(emulator, http, feedback="0").json()["result"]
    assert [item["id"] for item in listed] == [log_id]
    cleared = _patch(emulator, http, log_id, json={"score": None}).json()["result"]
    assert (cleared["feedback"], cleared["score"]) == (-1, None)


def _issue_type(path: list[str], expected: str, received: str) -> dict[str, Any]:
    return {
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": path,
        "message": f"Expected {expected}, received {received}",
    }


@pytest.mark.parametrize(
    ("body", "issues"),
    [
        (
            {"feedback": 2},
            [
                {
                    "code": "too_big",
                    "maximum": 1,
                    "type": "number",
                    "inclusive": True,
                    "exact": False,
                    "message": "Number must be less than or equal to 1",
                    "path": ["body", "feedback"],
                }
            ],
        ),
        (
            {"score": -5},
            [
                {
                    "code": "too_small",
                    "minimum": 0,
                    "type": "number",
                    "inclusive": True,
                    "exact": False,
                    "message": "Number must be greater than or equal to 0",
                    "path": ["body", "score"],
                }
            ],
        ),
        ({"feedback": "1"}, [_issue_type(["body", "feedback"], "number", "string")]),
        ({"score": True}, [_issue_type(["body", "score"], "number", "boolean")]),
        ({"metadata": "x"}, [_issue_type(["body", "metadata"], "object", "string")]),
        (
            {"metadata": {"nested": {"a": 1}}},
            [
                {
                    "code": "invalid_union",
                    "path": ["body", "metadata", "nested"],
                    "message": "Invalid input",
                }
            ],
        ),
        ([1, 2], [_issue_type(["body"], "object", "array")]),
        (
            {"feedback": "bad", "score": 101},
            [
                _issue_type(["body", "feedback"], "number", "string"),
                {
                    "code": "too_big",
                    "maximum": 100,
                    "type": "number",
                    "inclusive": True,
                    "exact": False,
                    "message": "Number must be less than or equal to 100",
                    "path": ["body", "score"],
                },
            ],
        ),
    ],
)
def test_invalid_patch_bodies_are_rejected_and_change_nothing(
    emulator: Any, http: Any, body: Any, issues: list[dict[str, Any]]
) -> None:
    log_id = chat(emulator, http).headers["cf-aig-log-id"]
    before = get_log(emulator, http, log_id).json()
    response = _patch(emulator, http, log_id, json=body)
    assert response.status_code == 400
    assert response.json() == {"errors": issues, "success": False, "result": {}}
    assert get_log(emulator, http, log_id).json() == before


def test_patch_of_an_unknown_log_is_7002(emulator: Any, http: Any) -> None:
    response = _patch(emulator, http, "0190a000-0000-7000-8000-000000000000", json={"score": 1})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- not written yet -----------------------------------------------------------------------------


def test_delayed_by_gets_answers_404_then_the_log(emulator: Any, http: Any) -> None:
    emulator.delay_logs(gets=2)
    log_id = chat(emulator, http).headers["cf-aig-log-id"]
    statuses = [get_log(emulator, http, log_id).status_code for _ in range(3)]
    assert statuses == [404, 404, 200]


def test_delayed_by_seconds_follows_the_emulator_clock(emulator: Any, http: Any) -> None:
    emulator.delay_logs(seconds=30)
    log_id = chat(emulator, http).headers["cf-aig-log-id"]
    hidden = get_log(emulator, http, log_id)
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)
    assert _list(emulator, http).json()["result_info"]["total_count"] == 0
    emulator.advance_time(29)
    assert get_log(emulator, http, log_id).status_code == 404
    emulator.advance_time(1)
    assert get_log(emulator, http, log_id).status_code == 200
    assert _list(emulator, http).json()["result_info"]["total_count"] == 1


def test_reset_restores_the_constructor_delay(emulator: Any, http: Any) -> None:
    emulator.delay_logs(gets=5)
    emulator.reset()
    log_id = chat(emulator, http).headers["cf-aig-log-id"]
    assert get_log(emulator, http, log_id).status_code == 200


def test_constructor_delay_option() -> None:
    import httpx

    from gpt54nano_emulator import Emulator

    with Emulator(log_delay_gets=1) as emu, httpx.Client() as client:
        call = client.post(rest_url(emu), json=chat_body(), headers=rest_headers(emu))
        url = f"{logs_url(emu)}/{call.headers['cf-aig-log-id']}"
        codes = [client.get(url, headers=rest_headers(emu)).status_code for _ in range(2)]
    assert codes == [404, 200]


def test_logs_never_hold_the_token(emulator: Any, http: Any) -> None:
    call = chat(emulator, http)
    http.post(compat_url(emulator), json=chat_body(), headers=gateway_headers(emulator))
    served = [
        get_log(emulator, http, call.headers["cf-aig-log-id"], suffix).text
        for suffix in ("", "/request", "/response")
    ]
    served.append(_list(emulator, http).text)
    assert all(emulator.api_token not in text for text in served)
    assert emulator.api_token not in json.dumps(emulator.gateway_logs)
    assert all(
        entry.headers.get("authorization", "Bearer [REDACTED]") == "Bearer [REDACTED]"
        for entry in emulator.requests
    )
