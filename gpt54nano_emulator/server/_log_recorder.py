"""ASGI layer that writes a gateway log entry for each chat request, from what went over the wire.

It tees the request body and the response (status, headers, body) and, when the chat handler
left a :class:`~._log_store.LogContext` in the scope (a gateway was resolved and logging is on),
stores the entry just before the response's last body message is sent. A response that never
started (connection reset) writes nothing. Tokens come from the context (the model's count, so
streams without ``include_usage`` have them too), else from the body's ``usage``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._log_store import LogContext, LogEntry, LogStore, log_context
from ._pricing import cost_of


def _usage_of(text: str, content_type: str) -> tuple[int | None, int | None]:
    """``usage`` of a JSON body, or of the SSE chunk that carries it."""
    candidates: list[Any] = []
    if content_type.startswith("text/event-stream"):
        for line in text.split("\n"):
            if line.startswith("data: {"):
                try:
                    candidates.append(json.loads(line[len("data: ") :]))
                except ValueError:
                    continue
    else:
        try:
            candidates.append(json.loads(text))
        except ValueError:
            return None, None
    for item in reversed(candidates):
        usage = item.get("usage") if isinstance(item, dict) else None
        if isinstance(usage, dict):
            prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
            if isinstance(prompt, int) and isinstance(completion, int):
                return prompt, completion
    return None, None


def _failed_body(text: str) -> bool:
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("success") is False


def build_entry(
    context: LogContext,
    *,
    log_id: str,
    started_at: datetime,
    duration_ms: int,
    status: int,
    request_body: bytes,
    request_content_type: str,
    response_body: bytes,
    response_content_type: str,
    fallback_model: str,
    dlp_header: str | None = None,
) -> LogEntry:
    """The entry for one finished exchange (pure)."""
    request_text = request_body.decode("utf-8", "replace")
    response_text = response_body.decode("utf-8", "replace")
    tokens_in, tokens_out = context.prompt_tokens, context.completion_tokens
    if tokens_in is None or tokens_out is None:
        tokens_in, tokens_out = _usage_of(response_text, response_content_type)
    model = (context.model or fallback_model).removeprefix("openai/")
    custom = context.custom_cost
    if context.cached:
        cost = 0.0
    elif tokens_in is None or tokens_out is None:
        cost = custom.total_cost if custom is not None and custom.total_cost is not None else 0.0
    else:
        cost = cost_of(model, tokens_in, tokens_out, custom=custom)
    keep = context.collect_payload
    return LogEntry(
        id=log_id,
        gateway=context.gateway,
        created_at=started_at,
        duration_ms=duration_ms,
        status_code=status,
        success=status < 400 and not _failed_body(response_text),
        cached=context.cached,
        model=model,
        path=f"dynamic/{context.route}" if context.route else "chat/completions",
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=cost,
        custom_cost=custom is not None,
        metadata=context.metadata,
        event_id=context.event_id,
        request_body=request_text if keep else None,
        response_body=response_text if keep else None,
        request_content_type=request_content_type,
        response_content_type=response_content_type,
        request_size=len(request_body),
        response_size=len(response_body),
        dlp_action=_dlp_action(dlp_header),
    )


def _dlp_action(header: str | None) -> str | None:
    if header is None:
        return None
    try:
        action = json.loads(header).get("action")
    except (ValueError, AttributeError):
        return None
    return action if isinstance(action, str) else None


def _model_in(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    model = parsed.get("model") if isinstance(parsed, dict) else None
    return model if isinstance(model, str) else ""


class LogRecorder:
    def __init__(self, app: ASGIApp, store: LogStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = datetime.now(UTC)
        started = time.monotonic()
        request_parts: list[bytes] = []
        response_parts: list[bytes] = []
        response: dict[str, Any] = {}
        written = False

        async def tee_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_parts.append(message.get("body", b""))
            return message

        def write() -> None:
            nonlocal written
            context = log_context(scope)
            written = True
            if context is None or not context.collect or "status" not in response:
                return
            headers = response["headers"]
            log_id = headers.get("cf-aig-log-id")
            if not log_id:
                return
            request_body = b"".join(request_parts)
            request_headers = {
                key.decode("latin-1").lower(): value.decode("latin-1")
                for key, value in scope.get("headers", [])
            }
            entry = build_entry(
                context,
                log_id=log_id,
                started_at=started_at,
                duration_ms=int((time.monotonic() - started) * 1000),
                status=response["status"],
                request_body=request_body,
                request_content_type=request_headers.get("content-type", "application/json"),
                response_body=b"".join(response_parts),
                response_content_type=headers.get("content-type", ""),
                fallback_model=_model_in(request_body),
                dlp_header=headers.get("cf-aig-dlp"),
            )
            self.store.add(entry)

        async def tee_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = {
                    key.decode("latin-1").lower(): value.decode("latin-1")
                    for key, value in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                response_parts.append(message.get("body", b""))
                if not message.get("more_body", False) and not written:
                    write()  # before the last byte: a client that read it all finds its log
            await send(message)

        try:
            await self.app(scope, tee_receive, tee_send)
        finally:
            if not written:
                write()
