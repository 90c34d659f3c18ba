"""``cf-aig-*`` request headers: the cache, metadata, and the refused out-of-range values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt54nano_emulator import Reply

from .conftest import chat_body, rest_headers, rest_url, sse_chunks


def _post(emulator: Any, http: Any, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return http.post(
        rest_url(emulator), json=body or chat_body(), headers=rest_headers(emulator, **headers)
    )


def test_no_cache_header_means_no_cache_status_and_no_caching(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="first"), Reply(content="second"))
    a = _post(emulator, http)
    b = _post(emulator, http)
    assert "cf-aig-cache-status" not in a.headers
    assert b.json()["choices"][0]["message"]["content"] == "second"


def test_cache_ttl_miss_then_hit(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="cached answer"), Reply(content="fresh answer"))
    a = _post(emulator, http, **{"cf-aig-cache-ttl": "60"})
    b = _post(emulator, http, **{"cf-aig-cache-ttl": "60"})
    assert a.headers["cf-aig-cache-status"] == "MISS"
    assert b.headers["cf-aig-cache-status"] == "HIT"
    assert b.json() == a.json()
    assert b.headers["cf-aig-log-id"] != a.headers["cf-aig-log-id"]
    # The hit did not consume the second queued reply.
    c = _post(emulator, http)
    assert c.json()["choices"][0]["message"]["content"] == "fresh answer"


def test_cache_entry_expires_after_ttl(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="old"), Reply(content="new"))
    _post(emulator, http, **{"cf-aig-cache-ttl": "60"})
    emulator.advance_time(59)
    assert _post(emulator, http, **{"cf-aig-cache-ttl": "60"}).headers["cf-aig-cache-status"] == (
        "HIT"
    )
    emulator.advance_time(2)
    late = _post(emulator, http, **{"cf-aig-cache-ttl": "60"})
    assert late.headers["cf-aig-cache-status"] == "MISS"
    assert late.json()["choices"][0]["message"]["content"] == "new"


def test_different_body_is_a_different_key(emulator: Any, http: Any) -> None:
    _post(emulator, http, chat_body("one"), **{"cf-aig-cache-ttl": "60"})
    other = _post(emulator, http, chat_body("two"), **{"cf-aig-cache-ttl": "60"})
    assert other.headers["cf-aig-cache-status"] == "MISS"


def test_custom_cache_key_shares_across_bodies_with_default_ttl(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="keyed"))
    a = _post(emulator, http, chat_body("one"), **{"cf-aig-cache-key": "k1"})
    b = _post(emulator, http, chat_body("two"), **{"cf-aig-cache-key": "k1"})
    assert (a.headers["cf-aig-cache-status"], b.headers["cf-aig-cache-status"]) == ("MISS", "HIT")
    assert b.json()["choices"][0]["message"]["content"] == "keyed"
    emulator.advance_time(301)  # a key without a ttl lives 5 minutes
    c = _post(emulator, http, chat_body("two"), **{"cf-aig-cache-key": "k1"})
    assert c.headers["cf-aig-cache-status"] == "MISS"


def test_skip_cache_bypasses_and_does_not_store(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="a"), Reply(content="b"), Reply(content="c"))
    skip = {"cf-aig-skip-cache": "true", "cf-aig-cache-ttl": "60"}
    first = _post(emulator, http, **skip)
    assert first.headers["cf-aig-cache-status"] == "MISS"
    second = _post(emulator, http, **{"cf-aig-cache-ttl": "60"})
    assert second.headers["cf-aig-cache-status"] == "MISS"
    assert second.json()["choices"][0]["message"]["content"] == "b"
    third = _post(emulator, http, **skip)
    assert third.headers["cf-aig-cache-status"] == "MISS"
    assert third.json()["choices"][0]["message"]["content"] == "c"


def test_streams_are_cached_only_with_a_cache_header(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="s1"), Reply(content="s2"), Reply(content="s3"))
    body = chat_body(stream=True)
    _, parts1 = http.stream_parts(rest_url(emulator), json=body, headers=rest_headers(emulator))
    _, parts2 = http.stream_parts(rest_url(emulator), json=body, headers=rest_headers(emulator))
    assert parts1 != parts2
    cached = rest_headers(emulator, **{"cf-aig-cache-ttl": "600"})
    r3, parts3 = http.stream_parts(rest_url(emulator), json=body, headers=cached)
    r4, parts4 = http.stream_parts(rest_url(emulator), json=body, headers=cached)
    assert r3.headers["cf-aig-cache-status"] == "MISS"
    assert r4.headers["cf-aig-cache-status"] == "HIT"
    assert b"".join(parts4) == b"".join(parts3)
    text = "".join(
        c["choices"][0]["delta"].get("content") or ""
        for c in sse_chunks(b"".join(parts4).decode())
        if c["choices"]
    )
    assert text == "s3"


def test_error_answers_are_not_cached(emulator: Any, http: Any) -> None:
    bad = _post(emulator, http, chat_body(top_p=5), **{"cf-aig-cache-ttl": "60"})
    assert bad.status_code == 400
    again = _post(emulator, http, chat_body(top_p=5), **{"cf-aig-cache-ttl": "60"})
    assert again.status_code == 400


def test_faulted_answers_are_not_cached(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="x"), Reply(content="y"))
    slow = {"cf-aig-cache-ttl": "60", "x-emulator-fault": "slow;seconds=0"}
    _post(emulator, http, **slow)
    after = _post(emulator, http, **{"cf-aig-cache-ttl": "60"})
    assert after.headers["cf-aig-cache-status"] == "MISS"
    assert after.json()["choices"][0]["message"]["content"] == "y"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cf-aig-cache-ttl", "59"),
        ("cf-aig-cache-ttl", "2592001"),
        ("cf-aig-cache-ttl", "soon"),
        ("cf-aig-max-attempts", "6"),
        ("cf-aig-max-attempts", "0"),
        ("cf-aig-retry-delay", "5001"),
        ("cf-aig-retry-delay", "-1"),
        ("cf-aig-backoff", "random"),
        ("cf-aig-request-timeout", "0"),
        ("cf-aig-metadata", "{not json"),
        ("cf-aig-metadata", "[1, 2]"),
    ],
)
def test_out_of_range_gateway_headers_are_refused(
    emulator: Any, http: Any, name: str, value: str
) -> None:
    response = _post(emulator, http, **{name: value})
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "AiGatewayError"
    assert body["internalCode"] == 2999
    assert name in body["message"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cf-aig-cache-ttl", "60"),
        ("cf-aig-cache-ttl", "2592000"),
        ("cf-aig-max-attempts", "5"),
        ("cf-aig-retry-delay", "5000"),
        ("cf-aig-backoff", "exponential"),
        ("cf-aig-request-timeout", "1000"),
        ("cf-aig-collect-log", "false"),
        ("cf-aig-zdr", "true"),
    ],
)
def test_in_range_gateway_headers_are_accepted(
    emulator: Any, http: Any, name: str, value: str
) -> None:
    assert _post(emulator, http, **{name: value}).status_code == 200


def test_metadata_keeps_five_entries(emulator: Any, http: Any) -> None:
    metadata = {f"k{i}": i for i in range(7)} | {"flag": True}
    response = _post(emulator, http, **{"cf-aig-metadata": json.dumps(metadata)})
    assert response.status_code == 200
    assert emulator.requests[-1].gateway_metadata == {f"k{i}": i for i in range(5)}


def test_metadata_with_a_null_value_is_dropped_silently(emulator: Any, http: Any) -> None:
    response = _post(emulator, http, **{"cf-aig-metadata": '{"team": "AI", "x": null}'})
    assert response.status_code == 200
    assert emulator.requests[-1].gateway_metadata is None


def test_metadata_of_allowed_types_is_kept(emulator: Any, http: Any) -> None:
    metadata = {"team": "AI", "user": 12345, "test": True, "ratio": 0.5}
    _post(emulator, http, **{"cf-aig-metadata": json.dumps(metadata)})
    assert emulator.requests[-1].gateway_metadata == metadata
