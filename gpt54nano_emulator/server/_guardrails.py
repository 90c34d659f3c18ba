"""AI Gateway guardrails and DLP, as the emulator plays them: blocked prompts and responses,
an unavailable scanner, and the ``cf-aig-dlp`` response header.

A request gets one of these from the fault mechanism (``x-emulator-fault: guardrail;target=...``
or ``dlp;action=...;target=...``, or a plan) or, when no fault applies, from a marker in any
message's text:

* ``[[guardrail:prompt]]`` → 424 ``AiGatewayError`` 2016 "Prompt blocked due to security
  configurations", before the model runs;
* ``[[guardrail:response]]`` → the model runs (a queued reply is consumed and the log keeps its
  tokens), then 424 / 2017 "Response blocked due to security configurations";
* ``[[guardrail:unavailable]]`` → 503 / 7013 (Block rule with the scanner down, changelog
  2026-09-17; the message is the emulator's, none is published);
* ``[[dlp:flag]]`` / ``[[dlp:flag:response]]`` → a normal answer with a ``cf-aig-dlp`` header,
  ``action: "FLAG"``;
* ``[[dlp:block]]`` → 424 / 2029 "Request content blocked due to DLP policy violations" before
  the model; ``[[dlp:block:response]]`` → the model runs, then 424 / 2030 "Response content
  blocked …"; both carry the ``cf-aig-dlp`` header with ``action: "BLOCK"``.

Codes and messages: ``ai-gateway/features/guardrails/set-up-guardrail``, ``…/dlp/set-up-dlp``
(wire doc §4.2, "Added 2026-12"). The header's JSON follows set-up-dlp's "Header schema"; the
profile, entry and policy ids are the emulator's fixed examples (:data:`DLP_PROFILE_ID`, …). The
status of a DLP block (424, like guardrails on provider endpoints) is taken from a public test
fixture of a real ``AiGatewayError`` (httpCode 424, code 2030), not from Cloudflare's docs.

Streams: guardrails evaluate whole prompts and responses ("Streaming is not supported when using
Guardrails", guardrails usage considerations), so a blocked streamed request gets the same JSON
error before any event. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import MutableMapping
from typing import Any

from . import _wire_out
from ._faults import (
    DLP_REQUEST_BLOCKED,
    DLP_RESPONSE_BLOCKED,
    GUARDRAIL_UNAVAILABLE,
    PROMPT_BLOCKED,
    RESPONSE_BLOCKED,
    Fault,
)
from ._validate import Rejection

DLP_HEADER = "cf-aig-dlp"
DLP_PROFILE_ID = "5f0c2a6e-6b1d-4c8e-9a3f-0d1e2f3a4b5c"
DLP_ENTRY_IDS = ("00000000-0000-4000-8000-000000000001",)
DLP_POLICY_ID = "emulator_dlp_policy"

_MARKER = re.compile(r"\[\[(guardrail|dlp):([a-z]+)(?::(response))?\]\]")


def _texts(body: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    messages = body.get("messages")
    if not isinstance(messages, list):
        return texts
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(
                part["text"]
                for part in content
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            )
    return texts


def content_fault(body: Any) -> Fault | None:
    """The guardrail/DLP fault a message marker asks for (the first marker wins)."""
    if not isinstance(body, dict):
        return None
    for text in _texts(body):
        for match in _MARKER.finditer(text):
            family, word, response = match.groups()
            if family == "guardrail" and word in {"prompt", "response", "unavailable"}:
                return Fault(kind="guardrail", target=word)
            if family == "dlp" and word in {"flag", "block"}:
                return Fault(kind="dlp", action=word, target=response or "request")
    return None


def dlp_header_value(action: str, check: str) -> str:
    """The ``cf-aig-dlp`` JSON (set-up-dlp "Header schema"), compact."""
    finding = {
        "profile": {"context": {}, "entry_ids": list(DLP_ENTRY_IDS), "profile_id": DLP_PROFILE_ID},
        "policy_ids": [DLP_POLICY_ID],
        "check": check.upper(),
    }
    return json.dumps({"findings": [finding], "action": action.upper()}, separators=(",", ":"))


def _blocked(status: int, code: int, message: str) -> Rejection:
    return Rejection(status, _wire_out.gateway_error(status, code, message))


def _target(fault: Fault, default: str) -> str:
    return fault.target or default


def before_model(fault: Fault, headers: MutableMapping[str, str]) -> Rejection | None:
    """What a guardrail/DLP fault answers before the model runs (``None``: go on). Adds the
    ``cf-aig-dlp`` header to ``headers`` for every DLP fault."""
    if fault.kind == "guardrail":
        target = _target(fault, "prompt")
        if target == "prompt":
            return _blocked(424, 2016, PROMPT_BLOCKED)
        if target == "unavailable":
            return _blocked(503, 7013, GUARDRAIL_UNAVAILABLE)
        return None
    if fault.kind == "dlp":
        action = fault.action or "flag"
        check = _target(fault, "request")
        headers[DLP_HEADER] = dlp_header_value(action, check)
        if action == "block" and check == "request":
            return _blocked(424, 2029, DLP_REQUEST_BLOCKED)
    return None


def after_model(fault: Fault | None) -> Rejection | None:
    """What a guardrail/DLP fault answers once the model has answered (``None``: send it)."""
    if fault is None:
        return None
    if fault.kind == "guardrail" and fault.target == "response":
        return _blocked(424, 2017, RESPONSE_BLOCKED)
    if fault.kind == "dlp" and fault.action == "block" and fault.target == "response":
        return _blocked(424, 2030, DLP_RESPONSE_BLOCKED)
    return None


def is_platform_fault(fault: Fault | None) -> bool:
    return fault is not None and fault.kind in {"guardrail", "dlp"}
