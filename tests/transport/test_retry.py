"""RetryPolicy.delay: what is retried, the backoff schedule, Retry-After, gateway retries."""

from __future__ import annotations

import email.utils
import time

import pytest

from gpt54nano_gateway import (
    GatewayConnectionError,
    GatewayTimeoutError,
    RetryPolicy,
    error_from_response,
)
from gpt54nano_gateway.errors import GatewayError
from gpt54nano_gateway.retry import retry_after_seconds

POLICY = RetryPolicy(max_retries=5, jitter=False)


def _status(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> GatewayError:
    return error_from_response(status, headers or {}, body, attempts=1)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 524])
def test_retryable_statuses(status: int) -> None:
    assert POLICY.delay(1, _status(status)) == 0.5


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 422, 424, 501, 505])
def test_not_retryable_statuses(status: int) -> None:
    assert POLICY.delay(1, _status(status)) is None


@pytest.mark.parametrize("code", [3036, 4006, 2045, 2041])
def test_quota_is_never_retried(code: int) -> None:
    body = f'{{"success":false,"errors":[{{"code":{code},"message":"q"}}]}}'.encode()
    assert POLICY.delay(1, _status(429, body=body)) is None


def test_connection_errors_and_timeouts_are_retried() -> None:
    assert POLICY.delay(1, GatewayConnectionError("reset")) == 0.5
    assert POLICY.delay(2, GatewayTimeoutError("slow")) == 1.0


def test_backoff_doubles_and_caps_at_eight_seconds() -> None:
    policy = RetryPolicy(max_retries=10, jitter=False)
    delays = [policy.delay(n, GatewayConnectionError("x")) for n in range(1, 8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_only_shortens_by_up_to_a_quarter() -> None:
    policy = RetryPolicy(max_retries=3)
    delays = [policy.delay(2, GatewayConnectionError("x")) for _ in range(200)]
    assert all(d is not None and 0.75 <= d <= 1.0 for d in delays)
    assert len(set(delays)) > 1


def test_max_retries_bounds_the_attempts() -> None:
    policy = RetryPolicy(max_retries=2, jitter=False)
    error = GatewayConnectionError("x")
    assert [policy.delay(n, error) for n in (1, 2, 3)] == [0.5, 1.0, None]
    assert RetryPolicy(max_retries=0).delay(1, error) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "-1"}, 0.5),  # unusable: backoff
        ({"retry-after": "nan"}, 0.5),
        ({"retry-after": "soon"}, 0.5),
        ({"retry-after": ""}, 0.5),
        ({"retry-after": "60"}, 60.0),
        ({"retry-after": "61"}, 60.0),  # capped: wait at most retry_after_cap
        ({"retry-after": "3600"}, 60.0),
    ],
)
def test_retry_after_is_honoured(headers: dict[str, str], expected: float | None) -> None:
    assert POLICY.delay(1, _status(429, headers)) == expected


def test_retry_after_http_date() -> None:
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    seconds = retry_after_seconds({"retry-after": date}, now=now)
    assert seconds is not None and 9 <= seconds <= 11
    past = email.utils.formatdate(now - 100, usegmt=True)
    assert retry_after_seconds({"retry-after": past}, now=now) == 0.0


def test_gateway_retries_limit_relayed_statuses_to_one_client_retry() -> None:
    error = _status(503)
    assert POLICY.delay(1, error, gateway_retries=True) == 0.5
    assert POLICY.delay(2, error, gateway_retries=True) is None
    # Connection errors never reached the gateway: the full budget stays.
    assert POLICY.delay(3, GatewayConnectionError("x"), gateway_retries=True) == 2.0


def test_sleep_functions_are_injectable() -> None:
    slept: list[float] = []
    policy = RetryPolicy(sleep=slept.append)
    policy.sleep(1.25)
    assert slept == [1.25]
