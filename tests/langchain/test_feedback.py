"""gateway_log / send_feedback on an AIMessage, sync and async, against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage

from gpt54nano_gateway import ConfigurationError, GatewayLog
from langchain_gpt54nano import (
    ChatGPT54Nano,
    agateway_log,
    asend_feedback,
    gateway_log,
    send_feedback,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply


def test_fetch_the_log_of_an_answer_then_send_feedback(
    llm: ChatGPT54Nano, emulator: Any, run_io: Any
) -> None:
    emulator.queue_reply(Reply(content="Paris."))
    message = llm.invoke("Capital of France?")
    log_id = message.response_metadata["gateway"]["log_id"]

    log = run_io(lambda: gateway_log(message, llm), lambda: agateway_log(message, llm))
    assert isinstance(log, GatewayLog)
    usage = message.usage_metadata
    assert usage is not None
    assert (log.id, log.tokens_in, log.tokens_out, log.status_code) == (
        log_id,
        usage["input_tokens"],
        usage["output_tokens"],
        200,
    )
    assert log.cost is not None and log.cost > 0

    patched = run_io(
        lambda: send_feedback(message, llm, feedback=1, score=80, metadata={"by": "test"}),
        lambda: asend_feedback(message, llm, feedback=1, score=80, metadata={"by": "test"}),
    )
    assert (patched.id, patched.feedback, patched.score, patched.metadata) == (
        log_id,
        1,
        80,
        {"by": "test"},
    )
    assert emulator.gateway_logs[-1]["score"] == 80


def test_a_message_without_a_log_id_is_refused(llm: ChatGPT54Nano, run_io: Any) -> None:
    message = AIMessage(content="typed by hand")
    with pytest.raises(ConfigurationError, match="no gateway log id"):
        run_io(lambda: gateway_log(message, llm), lambda: agateway_log(message, llm))


def test_a_bad_source_is_refused(emulator: Any) -> None:
    message = AIMessage(content="x", response_metadata={"gateway": {"log_id": "abc"}})
    with pytest.raises(ConfigurationError, match="ChatGPT54Nano or a GatewayConfig"):
        send_feedback(message, object(), feedback=1)
