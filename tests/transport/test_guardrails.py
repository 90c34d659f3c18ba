"""Guardrail / DLP blocks, an unavailable guardrail and the ``cf-aig-dlp`` header, through both
clients against the emulator (create and stream)."""

from __future__ import annotations

from typing import Any

import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    DlpBlockedError,
    GatewayClient,
    GatewayConfig,
    GatewayMeta,
    GuardrailBlockedError,
    GuardrailUnavailableError,
    InternalServerError,
    RetryPolicy,
    UnprocessableEntityError,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Fault, Reply
from gpt54nano_gateway.error_mapping import error_class, status_for_code, stream_error_class
from gpt54nano_gateway.meta import meta_from_headers

DLP_PROFILE = {
    "context": {},
    "entry_ids": ["00000000-0000-4000-8000-000000000001"],
    "profile_id": "5f0c2a6e-6b1d-4c8e-9a3f-0d1e2f3a4b5c",
}


def dlp(action: str, check: str) -> dict[str, Any]:
    finding = {"profile": DLP_PROFILE, "policy_ids": ["emulator_dlp_policy"], "check": check}
    return {"findings": [finding], "action": action}


def _request(text: str) -> ChatRequest:
    return ChatRequest.model_validate({"messages": [{"role": "user", "content": text}]})


def call(emulator: Any, run_io: Any, text: str, *, stream: bool, retries: int = 0) -> Any:
    """One call through the sync or async client; returns the completion or the raised error."""
    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token=emulator.api_token,
        base_url=emulator.base_url,
        max_retries=retries,
    )

    async def no_sleep(seconds: float) -> None:
        return None

    policy = RetryPolicy(max_retries=retries, jitter=False, sleep=lambda s: None,
                         async_sleep=no_sleep)  # fmt: skip
    request = _request(text)

    def sync() -> Any:
        client = GatewayClient(config, retry_policy=policy)
        try:
            if not stream:
                return client.create(request)
            with client.stream(request) as events:
                for _ in events:
                    pass
                return events.completion()
        except Exception as exc:  # the test asserts the error's type and fields
            return exc

    async def aio() -> Any:
        client = AsyncGatewayClient(config, retry_policy=policy)
        try:
            if not stream:
                return await client.create(request)
            async with client.stream(request) as events:
                async for _ in events:
                    pass
                return await events.completion()
        except Exception as exc:
            return exc

    return run_io(sync, aio)


BLOCKS = [
    ("[[guardrail:prompt]]", GuardrailBlockedError, 2016, "prompt", None),
    ("[[guardrail:response]]", GuardrailBlockedError, 2017, "response", None),
    ("[[dlp:block]]", DlpBlockedError, 2029, "prompt", dlp("BLOCK", "REQUEST")),
    ("[[dlp:block:response]]", DlpBlockedError, 2030, "response", dlp("BLOCK", "RESPONSE")),
]


@pytest.mark.parametrize(("marker", "cls", "code", "blocked", "dlp_meta"), BLOCKS)
@pytest.mark.parametrize("stream", [False, True])
def test_a_block_is_a_typed_error_telling_prompt_from_response(
    emulator: Any,
    run_io: Any,
    marker: str,
    cls: type[GuardrailBlockedError],
    code: int,
    blocked: str,
    dlp_meta: dict[str, Any] | None,
    stream: bool,
) -> None:
    emulator.queue_reply(Reply(content="an answer"))
    error = call(emulator, run_io, f"hello {marker}", stream=stream, retries=2)
    assert type(error) is cls
    assert isinstance(error, UnprocessableEntityError)
    assert (error.status_code, error.code, error.blocked) == (424, code, blocked)
    assert error.attempts == 1  # never retried: the same content is blocked again
    assert len(emulator.requests) == 1
    assert error.meta == GatewayMeta(
        log_id=error.meta.log_id,
        request_id=error.meta.log_id,
        event_id=error.meta.log_id,
        step="0",
        ray_id=error.meta.ray_id,
        attempts=1,
        status_code=424,
        dlp=dlp_meta,
    )
    assert error.meta.log_id is not None


@pytest.mark.parametrize("stream", [False, True])
def test_an_unavailable_guardrail_is_its_own_retryable_error(
    emulator: Any, run_io: Any, stream: bool
) -> None:
    error = call(emulator, run_io, "[[guardrail:unavailable]]", stream=stream, retries=1)
    assert type(error) is GuardrailUnavailableError
    assert isinstance(error, InternalServerError)
    assert (error.status_code, error.code, error.message) == (
        503,
        7013,
        "Guardrails service unavailable",
    )
    assert error.attempts == 2
    assert len(emulator.requests) == 2


def test_an_unavailable_guardrail_that_recovers_succeeds(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="guardrail", target="unavailable"), next_n=1)
    emulator.queue_reply(Reply(content="scanned and fine"))
    completion = call(emulator, run_io, "hello", stream=False, retries=1)
    assert completion.choices[0].message.content == "scanned and fine"
    assert completion.meta.attempts == 2


@pytest.mark.parametrize(("marker", "check"), [("[[dlp:flag]]", "REQUEST"),
                                               ("[[dlp:flag:response]]", "RESPONSE")])  # fmt: skip
@pytest.mark.parametrize("stream", [False, True])
def test_a_dlp_flag_answers_with_the_findings_in_meta(
    emulator: Any, run_io: Any, marker: str, check: str, stream: bool
) -> None:
    emulator.queue_reply(Reply(content="flagged but delivered"))
    completion = call(emulator, run_io, f"my card {marker}", stream=stream)
    assert completion.choices[0].message.content == "flagged but delivered"
    assert completion.meta.dlp == dlp("FLAG", check)


def test_no_dlp_header_means_no_dlp_meta(emulator: Any, run_io: Any) -> None:
    completion = call(emulator, run_io, "hello", stream=False)
    assert completion.meta.dlp is None
    assert "dlp" not in completion.meta.model_dump(exclude_none=True)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (None, None),
        ('{"action":"FLAG","findings":[]}', {"action": "FLAG", "findings": []}),
        ("not json", {"raw": "not json"}),
        ("[1, 2]", {"raw": "[1, 2]"}),
    ],
)
def test_dlp_header_parsing_keeps_what_it_cannot_read(
    value: str | None, parsed: dict[str, Any] | None
) -> None:
    headers = {"cf-aig-log-id": "L"} | ({} if value is None else {"cf-aig-dlp": value})
    assert meta_from_headers(headers, 200, 1) == GatewayMeta(
        log_id="L", attempts=1, status_code=200, dlp=parsed
    )


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (424, 2016, GuardrailBlockedError),
        (424, 2017, GuardrailBlockedError),
        (424, 2029, DlpBlockedError),
        (424, 2030, DlpBlockedError),
        (424, 9999, UnprocessableEntityError),
        (503, 7013, GuardrailUnavailableError),
        (503, None, InternalServerError),
    ],
)
def test_status_and_code_pick_the_class(status: int, code: int | None, cls: type) -> None:
    assert error_class(status, code) is cls
    # Inside a 200 stream only the code tells the status.
    if code in (2016, 2017, 2029, 2030, 7013):
        assert issubclass(stream_error_class(status_for_code(code), code), cls)
