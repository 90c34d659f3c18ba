"""error_from_response: the four body shapes, status mapping, quota codes, request ids."""

from __future__ import annotations

import json

import pytest

from gpt54nano_gateway import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    RequestTimeoutError,
    StreamError,
    UnprocessableEntityError,
    error_from_response,
)
from gpt54nano_gateway.error_mapping import error_payload, stream_error_class


def _body(obj: object) -> bytes:
    return json.dumps(obj).encode()


V4 = {
    "result": None,
    "success": False,
    "errors": [{"code": 10000, "message": "Authentication error"}],
    "messages": [],
}
AIG = {
    "success": False,
    "result": [],
    "messages": [],
    "error": [{"code": 2009, "message": "Unauthorized"}],
    "name": "AiGatewayError",
    "httpCode": 401,
    "internalCode": 2009,
    "message": "Unauthorized",
    "description": "Unauthorized",
}
AI_ERROR = {
    "name": "AiError",
    "internalCode": 5007,
    "httpCode": 400,
    "message": "AiError: No such model: No such model @cf/meta/x or task (2f92db78)",
    "description": "No such model @cf/meta/x or task",
    "requestId": "2f92db78-f004-4e34-bc23-383bd05f33cb",
}
OPENAI = {
    "error": {
        "message": "Unsupported value: 'temperature' does not support 0 with this model.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "unsupported_value",
    }
}


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "message"),
    [
        (401, V4, AuthenticationError, 10000, "Authentication error"),
        (401, AIG, AuthenticationError, 2009, "Unauthorized"),
        (400, AI_ERROR, BadRequestError, 5007, "AiError: No such model"),
        (400, OPENAI, BadRequestError, "unsupported_value", "Unsupported value"),
        (
            402,
            {"error": {"message": "Insufficient balance", "type": "gateway_error", "code": None}},
            PaymentRequiredError,
            None,
            "Insufficient balance",
        ),
        (
            429,
            {"success": False, "error": [{"code": 2001, "message": "x"}]},
            RateLimitError,
            2001,
            "x",
        ),
    ],
)
def test_the_four_body_shapes(
    status: int, body: dict[str, object], cls: type[APIStatusError], code: object, message: str
) -> None:
    error = error_from_response(status, {}, _body(body), attempts=1)
    assert type(error) is cls
    assert error.status_code == status
    assert error.code == code
    assert error.message.startswith(message)
    assert error.body == body


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, APIStatusError),
        (408, RequestTimeoutError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (422, UnprocessableEntityError),
        (424, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (524, InternalServerError),
    ],
)
def test_status_mapping(status: int, cls: type[APIStatusError]) -> None:
    error = error_from_response(status, {}, b"", attempts=1)
    assert type(error) is cls
    assert error.message == f"HTTP {status}"


@pytest.mark.parametrize("code", [3036, 4006, 2045, 2041])
def test_quota_codes_are_quota_errors(code: int) -> None:
    body = {"success": False, "errors": [{"code": code, "message": "limit"}]}
    error = error_from_response(429, {}, _body(body), attempts=1)
    assert isinstance(error, QuotaExceededError)
    assert isinstance(error, RateLimitError)


@pytest.mark.parametrize("code", [2003, 3040])
def test_other_429_codes_are_plain_rate_limits(code: int) -> None:
    body = {"success": False, "errors": [{"code": code, "message": "busy"}]}
    error = error_from_response(429, {}, _body(body), attempts=1)
    assert type(error) is RateLimitError


def test_aig_internal_code_wins_and_string_quota_code_is_parsed() -> None:
    body = {"name": "AiGatewayError", "internalCode": "2045", "message": "Spend limit exceeded"}
    error = error_from_response(429, {}, _body(body), attempts=1)
    assert isinstance(error, QuotaExceededError)
    assert error.code == 2045


def test_request_id_prefers_log_id_then_cf_ray_then_body() -> None:
    headers = {"CF-AIG-Log-Id": "log-1", "cf-ray": "ray-1"}
    assert error_from_response(500, headers, b"", attempts=1).request_id == "log-1"
    assert error_from_response(500, {"cf-ray": "ray-1"}, b"", attempts=1).request_id == "ray-1"
    body_id = error_from_response(400, {}, _body(AI_ERROR), attempts=1).request_id
    assert body_id == AI_ERROR["requestId"]


def test_200_with_success_false_is_an_error_typed_by_http_code() -> None:
    error = error_from_response(200, {}, _body(AIG), attempts=2)
    assert isinstance(error, AuthenticationError)
    assert error.status_code == 200
    assert error.attempts == 2
    plain = error_from_response(200, {}, _body({"success": False, "errors": []}), attempts=1)
    assert type(plain) is APIStatusError
    assert "success: false" in plain.message


def test_non_json_body_is_kept_as_text() -> None:
    error = error_from_response(502, {}, b"<html>Bad gateway</html>", attempts=3)
    assert isinstance(error, InternalServerError)
    assert error.body == "<html>Bad gateway</html>"
    assert error.message == "<html>Bad gateway</html>"
    assert "attempts=3" in str(error)


def test_response_headers_are_kept_lowercased_for_retry_after() -> None:
    error = error_from_response(429, {"Retry-After": "3"}, b"{}", attempts=1)
    assert error.headers["retry-after"] == "3"


def test_str_and_repr_carry_status_code_and_request_id() -> None:
    error = error_from_response(401, {"cf-ray": "r1"}, _body(AIG), attempts=1)
    assert str(error) == "Unauthorized (status=401, code=2009, request_id=r1)"
    assert repr(error).startswith("AuthenticationError(")


def test_error_payload_recognises_only_error_shapes() -> None:
    assert error_payload({"choices": []}) is None
    assert error_payload("text") is None
    assert error_payload({"error": "plain text"}) == (None, "plain text")
    assert error_payload({"success": False}) == (None, "request failed (success: false)")


def test_errors_survive_pickling() -> None:
    import pickle

    for error in (
        error_from_response(429, {}, b'{"errors":[{"code":3040,"message":"busy"}]}', attempts=2),
        stream_error_class(429, 3040)("busy"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and copy.message == error.message


def test_stream_error_variants_are_both_stream_and_status_errors() -> None:
    cls = stream_error_class(429, 3040)
    assert issubclass(cls, StreamError) and issubclass(cls, RateLimitError)
    assert stream_error_class(429, 3040) is cls
    assert issubclass(stream_error_class(429, 2045), QuotaExceededError)
    assert stream_error_class(None, None) is StreamError
    assert issubclass(StreamError, GatewayError)


def test_an_html_error_page_is_summarised_by_its_title() -> None:
    page = b"<html>\r\n<head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
    error = error_from_response(502, {}, page, attempts=1)
    assert error.message == "502 Bad Gateway"
    assert "cloudflare" in str(error.body)  # the whole page stays on .body
