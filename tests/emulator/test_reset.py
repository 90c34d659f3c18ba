"""``reset()`` between tests: a request still in flight from before it cannot take what the next
test queued (the cause of a flaky ``test_cache_ttl_miss_then_hit``: a stalled request whose
client had timed out woke up after the reset and consumed the next test's queued reply)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gpt54nano_emulator import Reply

from .conftest import async_client, chat_body, rest_headers, rest_url, sync_client

STALL = "stall;seconds=1.0"
GAVE_UP = httpx.Timeout(5, read=0.1)


def _abandoned_stalled_request(emulator: Any, run_io: Any, **extra_headers: str) -> None:
    url, body = rest_url(emulator), chat_body()
    headers = rest_headers(emulator, **{"x-emulator-fault": STALL, **extra_headers})

    def sync() -> None:
        with sync_client(timeout=GAVE_UP) as client, pytest.raises(httpx.ReadTimeout):
            client.post(url, json=body, headers=headers)

    async def async_() -> None:
        async with async_client(timeout=GAVE_UP) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(url, json=body, headers=headers)

    run_io(sync, async_)


def test_a_request_in_flight_across_reset_takes_no_queued_reply(
    emulator: Any, http: Any, run_io: Any
) -> None:
    _abandoned_stalled_request(emulator, run_io)
    assert emulator.requests_in_flight == 1  # still stalled on the server
    emulator.reset()
    emulator.queue_reply(Reply(content="for the next test"))
    assert emulator.wait_idle()  # the stale request has now reached the model and answered
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert response.json()["choices"][0]["message"]["content"] == "for the next test"


def test_a_request_in_flight_across_reset_does_not_fill_the_cache(
    emulator: Any, http: Any, run_io: Any
) -> None:
    emulator.queue_reply(Reply(content="stale"))
    _abandoned_stalled_request(emulator, run_io, **{"cf-aig-cache-ttl": "60"})
    emulator.reset()
    assert emulator.wait_idle()
    emulator.queue_reply(Reply(content="fresh"))
    response = http.post(
        rest_url(emulator),
        json=chat_body(),
        headers=rest_headers(emulator, **{"cf-aig-cache-ttl": "60"}),
    )
    assert response.headers["cf-aig-cache-status"] == "MISS"
    assert response.json()["choices"][0]["message"]["content"] == "fresh"


def test_wait_idle_with_nothing_in_flight_returns_at_once(emulator: Any) -> None:
    assert emulator.requests_in_flight == 0
    assert emulator.wait_idle(timeout=0) is True
