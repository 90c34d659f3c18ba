"""Gateway logs and feedback for a LangChain answer, one call each: `gateway_log` /
`agateway_log` fetch the log of an `AIMessage` (``response_metadata["gateway"]["log_id"]``),
`send_feedback` / `asend_feedback` patch feedback, score and metadata onto it. ``source`` is the
`ChatGPT54Nano` that answered (its resolved config) or a `GatewayConfig`. Everything HTTP is
the transport's (`gpt54nano_gateway.gateway_logs`).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from gpt54nano_gateway.config import GatewayConfig
from gpt54nano_gateway.errors import ConfigurationError
from gpt54nano_gateway.gateway_logs import AsyncGatewayLogs, GatewayLog, GatewayLogs

__all__ = ["agateway_log", "asend_feedback", "gateway_log", "log_id_of", "send_feedback"]


def log_id_of(message: BaseMessage) -> str:
    """The gateway log id an answer carries, or a `ConfigurationError` saying why there is none."""
    gateway = getattr(message, "response_metadata", {}).get("gateway")
    log_id = gateway.get("log_id") if isinstance(gateway, dict) else None
    if not isinstance(log_id, str) or not log_id:
        raise ConfigurationError(
            "this message carries no gateway log id (response_metadata['gateway']['log_id']); "
            "only answers of ChatGPT54Nano do, and only when the gateway logged the call"
        )
    return log_id


def _config(source: Any) -> GatewayConfig:
    if isinstance(source, GatewayConfig):
        return source
    config = getattr(source, "_gateway_config", None)
    if isinstance(config, GatewayConfig):
        return config
    raise ConfigurationError("source must be a ChatGPT54Nano or a GatewayConfig")


def gateway_log(message: BaseMessage, source: Any, **kwargs: Any) -> GatewayLog:
    """The gateway log of ``message`` (cost, tokens, duration...); ``kwargs`` go to
    `GatewayLogs` (``not_found_wait``, ``logs_base_url``)."""
    return GatewayLogs(_config(source), **kwargs).get(log_id_of(message))


async def agateway_log(message: BaseMessage, source: Any, **kwargs: Any) -> GatewayLog:
    return await AsyncGatewayLogs(_config(source), **kwargs).get(log_id_of(message))


def send_feedback(message: BaseMessage, source: Any, **patch: Any) -> GatewayLog:
    """Patch ``feedback`` (-1/0/1), ``score`` (0-100) and/or ``metadata`` onto the log of
    ``message``; returns the updated log. Needs the token's "AI Gateway Edit" permission."""
    return GatewayLogs(_config(source)).patch(log_id_of(message), **patch)


async def asend_feedback(message: BaseMessage, source: Any, **patch: Any) -> GatewayLog:
    return await AsyncGatewayLogs(_config(source)).patch(log_id_of(message), **patch)
