"""gateway_log / send_feedback on a ChatResponse and a CompletionResponse, sync and async."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse

from gpt54nano_gateway import ConfigurationError, GatewayLog
from llama_index_gpt54nano import (
    GPT54Nano,
    agateway_log,
    asend_feedback,
    gateway_log,
    send_feedback,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply


@pytest.mark.parametrize("kind", ["chat", "complete"])
def test_fetch_the_log_of_an_answer_then_send_feedback(
    llm: GPT54Nano, emulator: Any, run_io: Any, kind: str
) -> None:
    emulator.queue_reply(Reply(content="Paris."))
    if kind == "chat":
        response: Any = llm.chat([ChatMessage(role="user", content="Capital of France?")])
    else:
        response = llm.complete("Capital of France?")
    log_id = emulator.gateway_logs[-1]["id"]

    log = run_io(lambda: gateway_log(response, llm), lambda: agateway_log(response, llm))
    assert isinstance(log, GatewayLog)
    assert (log.id, log.status_code, log.model) == (log_id, 200, "gpt-5.4-nano")
    assert log.tokens_in is not None and log.tokens_out is not None and log.cost is not None

    patched = run_io(
        lambda: send_feedback(response, llm, feedback=-1, metadata={"why": "terse"}),
        lambda: asend_feedback(response, llm, feedback=-1, metadata={"why": "terse"}),
    )
    assert (patched.id, patched.feedback, patched.score, patched.metadata) == (
        log_id,
        -1,
        None,
        {"why": "terse"},
    )


def test_a_response_without_a_log_id_is_refused(llm: GPT54Nano, run_io: Any) -> None:
    response = ChatResponse(message=ChatMessage(role="assistant", content="by hand"))
    with pytest.raises(ConfigurationError, match="no gateway log id"):
        run_io(lambda: gateway_log(response, llm), lambda: agateway_log(response, llm))
