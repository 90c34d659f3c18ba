"""Request log (Python and HTTP), redaction, queued replies and reset."""

from __future__ import annotations

from typing import Any

from gpt54nano_emulator import Fault, RecordedRequest, Reply

from .conftest import chat_body, compat_url, gateway_headers, rest_headers, rest_url


def test_requests_are_recorded_with_tokens_redacted(emulator: Any, http: Any) -> None:
    http.post(rest_url(emulator), json=chat_body("one"), headers=rest_headers(emulator))
    http.post(compat_url(emulator), json=chat_body("two"), headers=gateway_headers(emulator))
    first, second = emulator.requests
    assert isinstance(first, RecordedRequest)
    assert first.method == "POST"
    assert first.path == f"/client/v4/accounts/{emulator.account_id}/ai/v1/chat/completions"
    assert first.body == chat_body("one")
    assert first.headers["authorization"] == "Bearer [REDACTED]"
    assert second.headers["cf-aig-authorization"] == "Bearer [REDACTED]"
    assert emulator.api_token not in repr(emulator.requests)


def test_rejected_requests_are_recorded_too(emulator: Any, http: Any) -> None:
    http.post(rest_url(emulator), json=chat_body(), headers={"authorization": "Bearer bad-token"})
    (entry,) = emulator.requests
    assert entry.headers["authorization"] == "Bearer [REDACTED]"
    assert "bad-token" not in repr(entry)


def test_non_json_body_is_recorded_as_none(emulator: Any, http: Any) -> None:
    http.post(rest_url(emulator), content=b"\x00garbage", headers=rest_headers(emulator))
    assert emulator.requests[0].body is None


def test_request_log_over_http(emulator: Any, http: Any) -> None:
    http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator, foo="bar"))
    response = http.get(f"{emulator.root_url}/__emulator/requests")
    assert response.status_code == 200
    (entry,) = response.json()
    assert entry["method"] == "POST"
    assert entry["body"] == chat_body()
    assert entry["headers"]["foo"] == "bar"
    assert entry["headers"]["authorization"] == "Bearer [REDACTED]"
    # Reading the log is not itself logged.
    assert len(emulator.requests) == 1


def test_clear_requests_keeps_queue(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="kept"))
    http.get(f"{emulator.root_url}/__emulator/requests")
    http.post(rest_url(emulator), json=chat_body(top_p=9), headers=rest_headers(emulator))
    emulator.clear_requests()
    assert emulator.requests == []
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert response.json()["choices"][0]["message"]["content"] == "kept"


def test_queue_is_fifo_and_skipped_by_rejected_requests(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="first"), Reply(content="second"))
    emulator.queue_reply(Reply(content="third"))
    contents = []
    for body in [chat_body(), chat_body(temperature=0), chat_body(), chat_body()]:
        response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
        if response.status_code == 200:
            contents.append(response.json()["choices"][0]["message"]["content"])
    assert contents == ["first", "second", "third"]


def test_queued_finish_reason_is_kept(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="filtered", finish_reason="content_filter"))
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert response.json()["choices"][0]["finish_reason"] == "content_filter"


def test_reset_clears_everything(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="queued"))
    emulator.plan_faults(Fault(kind="status", status=500), every=1)
    ttl = rest_headers(emulator, **{"cf-aig-cache-ttl": "60"})
    http.post(rest_url(emulator), json=chat_body(), headers=ttl)
    emulator.reset()
    assert emulator.requests == []
    fresh = http.post(rest_url(emulator), json=chat_body(), headers=ttl)
    assert fresh.status_code == 200
    assert fresh.headers["cf-aig-cache-status"] == "MISS"
    assert fresh.json()["choices"][0]["message"]["content"] != "queued"


def test_unknown_paths_are_json_404(emulator: Any, http: Any) -> None:
    response = http.get(f"{emulator.root_url}/nothing/here")
    assert response.status_code == 404
    assert "no route" in response.json()["error"]
