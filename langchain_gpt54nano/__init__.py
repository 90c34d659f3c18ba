"""LangChain chat model for Cloudflare's `openai/gpt-5.4-nano` (Workers AI / AI Gateway)."""

from gpt54nano_gateway._version import __version__
from langchain_gpt54nano._convert import UnsupportedContentError
from langchain_gpt54nano._cost_callback import (
    AsyncGatewayCostCallbackHandler,
    GatewayCostCallbackHandler,
)
from langchain_gpt54nano._feedback import agateway_log, asend_feedback, gateway_log, send_feedback
from langchain_gpt54nano._responses import ResponsesParameterError
from langchain_gpt54nano._structured import StructuredOutputRefusalError
from langchain_gpt54nano.chat_models import ChatGPT54Nano

__all__ = [
    "AsyncGatewayCostCallbackHandler",
    "ChatGPT54Nano",
    "GatewayCostCallbackHandler",
    "ResponsesParameterError",
    "StructuredOutputRefusalError",
    "UnsupportedContentError",
    "__version__",
    "agateway_log",
    "asend_feedback",
    "gateway_log",
    "send_feedback",
]
