"""Gateway logs and feedback for a LlamaIndex answer, one call each: `gateway_log` /
`agateway_log` fetch the log of a `ChatResponse` / `CompletionResponse`
(``additional_kwargs["gateway"]["log_id"]``), `send_feedback` / `asend_feedback` patch feedback,
score and metadata onto it. ``source`` is the `GPT54Nano` that answered or a `GatewayConfig`.
Everything HTTP is the transport's (`gpt54nano_gateway.gateway_logs`).
"""

from __future__ import annotations

from typing import Any

from gpt54nano_gateway.config import GatewayConfig
from gpt54nano_gateway.errors import ConfigurationError
from gpt54nano_gateway.gateway_logs import AsyncGatewayLogs, GatewayLog, GatewayLogs

__all__ = ["agateway_log", "asend_feedback", "gateway_log", "log_id_of", "send_feedback"]


def log_id_of(response: Any) -> str:
    """The gateway log id a response carries (on the response, else on its message)."""
    for holder in (response, getattr(response, "message", None)):
        extra = getattr(holder, "additional_kwargs", None)
        gateway = extra.get("gateway") if isinstance(extra, dict) else None
        log_id = gateway.get("log_id") if isinstance(gateway, dict) else None
        if isinstance(log_id, str) and log_id:
            return log_id
    raise ConfigurationError(
        "this response carries no gateway log id (additional_kwargs['gateway']['log_id']); "
        "only answers of GPT54Nano do, and only when the gateway logged the call"
    )


def _config(source: Any) -> GatewayConfig:
    if isinstance(source, GatewayConfig):
        return source
    config = getattr(source, "gateway_config", None)
    if isinstance(config, GatewayConfig):
        return config
    raise ConfigurationError("source must be a GPT54Nano or a GatewayConfig")


def gateway_log(response: Any, source: Any, **kwargs: Any) -> GatewayLog:
    """The gateway log of ``response``; ``kwargs`` go to `GatewayLogs`."""
    return GatewayLogs(_config(source), **kwargs).get(log_id_of(response))


async def agateway_log(response: Any, source: Any, **kwargs: Any) -> GatewayLog:
    return await AsyncGatewayLogs(_config(source), **kwargs).get(log_id_of(response))


def send_feedback(response: Any, source: Any, **patch: Any) -> GatewayLog:
    """Patch ``feedback`` (-1/0/1), ``score`` (0-100) and/or ``metadata`` onto the log of
    ``response``. Needs the token's "AI Gateway Edit" permission."""
    return GatewayLogs(_config(source)).patch(log_id_of(response), **patch)


async def asend_feedback(response: Any, source: Any, **patch: Any) -> GatewayLog:
    return await AsyncGatewayLogs(_config(source)).patch(log_id_of(response), **patch)
