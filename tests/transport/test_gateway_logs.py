"""GatewayLogs / AsyncGatewayLogs against the emulator's log API: get, bodies, list, patch,
the not-yet-written retry and its typed error, permission hints, validation before sending."""

from __future__ import annotations

from typing import Any

import pytest

from gpt54nano_gateway import (
    AsyncGatewayLogs,
    AuthenticationError,
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayLog,
    GatewayLogs,
    GatewayOptions,
    LogNotFoundError,
)
from gpt54nano_gateway.gateway_logs import logs_root

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply

NANO_IN, NANO_OUT = 0.20 / 1_000_000, 1.25 / 1_000_000


def config(emulator: Any, **overrides: Any) -> GatewayConfig:
    values = {
        "account_id": emulator.account_id,
        "api_token": emulator.api_token,
        "base_url": emulator.base_url,
    }
    return GatewayConfig(**(values | overrides))


def chat(emulator: Any, text: str = "Say hi", **options: Any) -> Any:
    request = ChatRequest.model_validate({"messages": [{"role": "user", "content": text}]})
    return GatewayClient(config(emulator)).create(request, options=GatewayOptions(**options))


class Logs:
    """Runs one GatewayLogs / AsyncGatewayLogs method in the mode ``run_io`` picks."""

    def __init__(self, emulator: Any, run_io: Any, **kw: Any) -> None:
        self.run_io = run_io
        self.slept: list[float] = []
        cfg = kw.pop("config", None) or config(emulator)

        async def async_sleep(seconds: float) -> None:
            self.slept.append(seconds)

        self.sync = GatewayLogs(cfg, sleep=self.slept.append, **kw)
        self.aio = AsyncGatewayLogs(cfg, sleep=async_sleep, **kw)

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kw: Any) -> Any:
            if name == "list":

                async def collect() -> list[GatewayLog]:
                    return [log async for log in self.aio.list(*args, **kw)]

                return self.run_io(lambda: list(self.sync.list(*args, **kw)), collect)

            async def aio() -> Any:
                return await getattr(self.aio, name)(*args, **kw)

            return self.run_io(lambda: getattr(self.sync, name)(*args, **kw), aio)

        return call


def test_get_returns_the_typed_log_of_a_call(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="Hello there"))
    completion = chat(emulator, metadata={"user": "ana"})
    log = Logs(emulator, run_io).get(completion.meta.log_id)
    usage = completion.usage
    assert log.created_at is not None and log.duration is not None
    assert log.model_extra is not None and "request_head" in log.model_extra  # extras kept
    assert log.model_dump(include=set(GatewayLog.model_fields)) == dict(
        id=completion.meta.log_id,
        created_at=log.created_at,
        model="gpt-5.4-nano",
        provider=log.provider,
        path="chat/completions",
        status_code=200,
        success=True,
        cached=False,
        duration=log.duration,
        tokens_in=usage.prompt_tokens,
        tokens_out=usage.completion_tokens,
        cost=pytest.approx(usage.prompt_tokens * NANO_IN + usage.completion_tokens * NANO_OUT),
        custom_cost=False,
        metadata={"user": "ana"},
        feedback=None,
        score=None,
        step=0,
    )


def test_bodies_on_demand(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="body check"))
    completion = chat(emulator, "what was sent")
    logs = Logs(emulator, run_io)
    sent = logs.request_body(completion.meta.log_id)
    assert sent["messages"] == [{"role": "user", "content": "what was sent"}]
    answered = logs.response_body(completion.meta.log_id)
    assert answered["choices"][0]["message"]["content"] == "body check"


def test_patch_then_get_shows_feedback_score_metadata(emulator: Any, run_io: Any) -> None:
    log_id = chat(emulator).meta.log_id
    logs = Logs(emulator, run_io)
    patched = logs.patch(log_id, feedback=1, score=90, metadata={"reviewer": "ana", "n": 2})
    assert (patched.feedback, patched.score, patched.metadata) == (
        1,
        90,
        {"reviewer": "ana", "n": 2},
    )
    assert logs.get(log_id) == patched
    cleared = logs.patch(log_id, score=None)
    assert (cleared.feedback, cleared.score) == (1, None)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "at least one of feedback, score, metadata"),
        ({"feedback": 2}, "feedback"),
        ({"score": 101}, "score"),
        ({"score": 5.5}, "score"),
        ({"metadata": {"k": [1]}}, "metadata"),
    ],
)
def test_bad_patch_is_refused_before_sending(
    emulator: Any, run_io: Any, kwargs: dict[str, Any], fragment: str
) -> None:
    log_id = chat(emulator).meta.log_id
    before = len(emulator.requests)
    with pytest.raises(ConfigurationError, match=fragment):
        Logs(emulator, run_io).patch(log_id, **kwargs)
    assert len(emulator.requests) == before


def test_bad_log_id_is_refused_before_sending(emulator: Any, run_io: Any) -> None:
    with pytest.raises(ConfigurationError, match="not a gateway log id"):
        Logs(emulator, run_io).get("../../secrets")


def test_a_log_not_written_yet_is_retried_until_it_appears(emulator: Any, run_io: Any) -> None:
    emulator.delay_logs(gets=2)
    log_id = chat(emulator).meta.log_id
    logs = Logs(emulator, run_io)
    assert logs.get(log_id).id == log_id
    assert logs.slept == [0.1, 0.2]


def test_a_log_that_never_appears_is_log_not_found(emulator: Any, run_io: Any) -> None:
    logs = Logs(emulator, run_io, not_found_wait=1.0)
    with pytest.raises(LogNotFoundError, match="not found after waiting") as caught:
        logs.get("01900000-0000-7000-8000-000000000000")
    assert (caught.value.status_code, caught.value.code) == (404, 7002)
    assert logs.slept == [0.1, 0.2, 0.4]
    assert sum(logs.slept) <= 1.0


def test_list_pages_through_every_matching_log(emulator: Any, run_io: Any) -> None:
    ids = [chat(emulator, f"call {n}").meta.log_id for n in range(5)]
    listed = Logs(emulator, run_io).list(per_page=2, order_by="created_at",
                                        order_by_direction="asc")  # fmt: skip
    assert [log.id for log in listed] == ids
    assert all(isinstance(log, GatewayLog) for log in listed)


def test_list_filters_reach_the_api(emulator: Any, run_io: Any) -> None:
    first = chat(emulator).meta.log_id
    chat(emulator)
    logs = Logs(emulator, run_io)
    logs.patch(first, feedback=-1)
    # The list filter spells thumbs-down 0 (Cloudflare's list schema: feedback 0|1).
    assert [log.id for log in logs.list(feedback=0)] == [first]


BAD_FILTERS = [
    ({"per_page": 51}, "per_page"),
    ({"page": 2}, "pages by itself"),
    ({"model": object()}, "expected a str"),
]


@pytest.mark.parametrize(("filters", "fragment"), BAD_FILTERS)
def test_bad_list_filters_are_refused(
    emulator: Any, run_io: Any, filters: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        Logs(emulator, run_io).list(**filters)


@pytest.mark.parametrize(("method", "need"), [("get", "AI Gateway Read"),
                                              ("patch", "AI Gateway Edit")])  # fmt: skip
def test_wrong_token_says_which_permission_is_needed(
    emulator: Any, run_io: Any, method: str, need: str
) -> None:
    log_id = chat(emulator).meta.log_id
    logs = Logs(emulator, run_io, config=config(emulator, api_token="wrong-token"))
    kwargs = {"feedback": 1} if method == "patch" else {}
    with pytest.raises(AuthenticationError, match=need) as caught:
        getattr(logs, method)(log_id, **kwargs)
    assert "wrong-token" not in str(caught.value) + repr(caught.value)


def test_a_gateway_endpoint_config_reads_logs_from_the_rest_root(
    emulator: Any, run_io: Any
) -> None:
    gateway_config = config(emulator, endpoint="gateway", base_url=emulator.gateway_base_url)
    assert logs_root(gateway_config) == emulator.base_url
    log_id = chat(emulator).meta.log_id
    assert Logs(emulator, run_io, config=gateway_config).get(log_id).id == log_id


def test_default_roots() -> None:
    cfg = GatewayConfig(account_id="a" * 32, api_token="t", endpoint="gateway")
    assert logs_root(cfg) == "https://api.cloudflare.com/client/v4"
    odd = GatewayConfig(account_id="a" * 32, api_token="t", endpoint="gateway",
                        base_url="https://proxy.example/x")  # fmt: skip
    with pytest.raises(ConfigurationError, match="logs_base_url"):
        logs_root(odd)
