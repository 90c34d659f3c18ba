"""The public surface of langchain_gpt54nano (the partner-package `test_imports` check)."""

from __future__ import annotations

import langchain_gpt54nano
from langchain_gpt54nano import ChatGPT54Nano, StructuredOutputRefusalError, UnsupportedContentError

EXPECTED_ALL = [
    "AsyncGatewayCostCallbackHandler",
    "GatewayCostCallbackHandler",
    "ChatGPT54Nano",
    "ResponsesParameterError",
    "StructuredOutputRefusalError",
    "UnsupportedContentError",
    "__version__",
    "agateway_log",
    "asend_feedback",
    "gateway_log",
    "send_feedback",
]


def test_all_imports() -> None:
    assert sorted(langchain_gpt54nano.__all__) == sorted(EXPECTED_ALL)


def test_error_types() -> None:
    """Bad input and refusals are catchable the usual ways."""
    from langchain_core.exceptions import ModelRefusalError

    assert issubclass(UnsupportedContentError, ValueError)
    assert issubclass(StructuredOutputRefusalError, ModelRefusalError)
    assert ChatGPT54Nano.__module__ == "langchain_gpt54nano.chat_models"
